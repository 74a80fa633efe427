"""The community health dashboard on a forum of 1,000,000 posts: the statistics backfill (90
days, GROUP BY per day) and the dashboard page, which reads only the statistics tables. Not a
test: run by hand.

    .venv/bin/python benchmarks/insights_bench.py [--db /tmp/circolo-insights.db] [--runs 50]
    .venv/bin/python benchmarks/insights_bench.py --database-url postgresql:///circolo_bench

Builds the database once with the bulk seeder (20,000 members, 50,000 topics, 1,000,000 posts
over the seeder's two years), adds one reaction to every fifth post and 1,000 distinct searches
a day (a third with no results) for the last 90 days, then reuses it. Times the backfill of the
90 days ending at the seeder's last day, then GET /insights (range presets, a category, a
language, the CSV) through Flask's test client as an admin: ``--runs`` requests each,
interleaved, p50/p95 in ms, with the number of SQL statements per request.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text

from forum import create_app
from forum.extensions import db

USERS, TOPICS, POSTS = 20_000, 50_000, 1_000_000
DAYS = 90
SEARCHES_PER_DAY = 1_000  # the default cap of distinct queries a day


def build(app: Any, posts: int) -> None:
    from forum.accounts.models import User
    from forum.cli import create_user, ensure_default_data, upgrade_schema
    from forum.discussions.models import Post
    from forum.insights.models import SearchDay
    from forum.seed import TIMELINE_END, seed

    with app.app_context():
        upgrade_schema()
        ensure_default_data()
        if (db.session.scalar(select(func.count()).select_from(Post)) or 0) >= posts:
            return
        print(f"seeding {posts:,} posts (once)...", flush=True)
        started = time.perf_counter()
        seed(USERS, min(TOPICS, posts // 10), posts, seed_value=1)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        db.session.execute(text(
            "INSERT INTO post_reactions (post_id, user_id, reaction, created_at) "
            "SELECT id, user_id, 'heart', created_at FROM posts WHERE id % 5 = 0 AND user_id IS NOT NULL"))
        end = TIMELINE_END.date()
        rows = [{"day": end - timedelta(days=d), "query": f"query {d} {i}", "language": ("en", "it", "fr")[i % 3],
                 "searches": 1 + i % 7, "no_results": (1 + i % 7) if i % 3 == 0 else 0, "signed_in": i % 2}
                for d in range(DAYS) for i in range(SEARCHES_PER_DAY)]
        db.session.execute(insert(SearchDay), rows)
        if db.session.scalar(select(User).where(User.username == "bench_admin")) is None:
            create_user("bench_admin", "bench_admin@example.com", "bench-password-123", role="admin")
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def timed(client: Any, urls: list[str], runs: int) -> list[tuple[float, float]]:
    for url in urls:
        for _ in range(3):  # warm-up: page cache, template compilation
            assert client.get(url).status_code == 200, url
    samples: list[list[float]] = [[] for _ in urls]
    for _ in range(runs):
        for i, url in enumerate(urls):
            start = time.perf_counter()
            response = client.get(url)
            samples[i].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, url
    out = []
    for s in samples:
        s.sort()
        out.append((statistics.median(s), s[max(0, int(len(s) * 0.95) - 1)]))
    return out


def count_queries(app: Any, client: Any, url: str) -> int:
    seen: list[str] = []
    with app.app_context():
        engine = db.engine

    def listener(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return len(seen)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/circolo-insights.db")
    parser.add_argument("--database-url", default=None, help="instead of --db (e.g. PostgreSQL)")
    parser.add_argument("--posts", type=int, default=POSTS)
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--skip-backfill", action="store_true")
    args = parser.parse_args()
    url = args.database_url or f"sqlite:///{args.db}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": "null", "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False, "JOBS_MODE": "inline"})
    build(app, args.posts)

    from forum.discussions.models import Category
    from forum.insights.services import refresh_days
    from forum.seed import TIMELINE_END

    end = TIMELINE_END.date()
    days = [end - timedelta(days=d) for d in range(DAYS - 1, -1, -1)]
    with app.app_context():
        if not args.skip_backfill:
            started = time.perf_counter()
            cpu = time.process_time()
            refresh_days(days)
            wall, cpu = time.perf_counter() - started, time.process_time() - cpu
            print(f"backfill of {DAYS} days: {wall:.1f} s wall ({wall / DAYS * 1000:.0f} ms a day), "
                  f"{cpu:.1f} s CPU in this process", flush=True)
        category_id = db.session.scalar(select(Category.id).order_by(Category.position).limit(1))

    client = app.test_client()
    client.post("/login", data={"login": "bench_admin", "password": "bench-password-123"})
    last = end.isoformat()
    cases = [
        ("7 days", f"/insights?end={last}&start={(end - timedelta(days=6)).isoformat()}"),
        ("30 days", f"/insights?end={last}&start={(end - timedelta(days=29)).isoformat()}"),
        ("90 days", f"/insights?end={last}&start={(end - timedelta(days=89)).isoformat()}"),
        ("90 days, one category", f"/insights?end={last}&start={(end - timedelta(days=89)).isoformat()}"
                                  f"&category={category_id}"),
        ("90 days, Italian", f"/insights?end={last}&start={(end - timedelta(days=89)).isoformat()}&language=it"),
        ("90 days, CSV", f"/insights/export.csv?end={last}&start={(end - timedelta(days=89)).isoformat()}"),
    ]
    print(f"\n{args.runs} runs each, Flask test client, {url}\n")
    print(f"{'request':<28} {'queries':>8} {'p50 ms':>10} {'p95 ms':>10}")
    print("-" * 60)
    queries = [count_queries(app, client, case_url) for _label, case_url in cases]
    results = timed(client, [case_url for _label, case_url in cases], args.runs)
    for (label, _url), n, (median, p95) in zip(cases, queries, results, strict=True):
        print(f"{label:<28} {n:>8} {median:>10.1f} {p95:>10.1f}")


if __name__ == "__main__":
    main()
