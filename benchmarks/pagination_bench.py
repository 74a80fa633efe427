"""Deep pagination costs what page 1 costs: topic pages by post-number range, category pages
by keyset cursor. Not a test: run by hand and compare the numbers.

    .venv/bin/python benchmarks/pagination_bench.py [--db /tmp/circolo-pagination.db] [--runs 50]

Builds the database once with the bulk seeder (a 10,000-post topic, plus 20,000 topics of
ordinary size spread over the categories), then reuses it. Times GET requests through Flask's
test client (templates included), 50 runs each after a warm-up, and prints SQLite's
EXPLAIN QUERY PLAN for the posts and topics queries: both must be index range scans, never a
scan of the topic (OFFSET) or of the category.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select, text

from forum import create_app
from forum.extensions import db

BIG_TOPIC_POSTS = 10_000


def build(app: Any) -> None:
    from forum.cli import ensure_default_data, upgrade_schema
    from forum.seed import seed

    with app.app_context():
        upgrade_schema()
        ensure_default_data()
        from forum.discussions.models import Topic

        if (db.session.scalar(select(func.max(Topic.post_count))) or 0) >= BIG_TOPIC_POSTS:
            return
        print("building the database (once)...", flush=True)
        started = time.perf_counter()
        seed(2_000, 20_000, 100_000, seed_value=42)
        seed(50, 1, BIG_TOPIC_POSTS, seed_value=43)  # one topic: every reply lands in it
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def timed(client: Any, urls: list[str], runs: int) -> list[tuple[float, float]]:
    """(median, p95) in ms per URL. Requests are interleaved (one of each per round) so that
    other load on a shared machine hits every case alike."""
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


def capture(app: Any, client: Any, url: str, table: str) -> list[tuple[str, Any]]:
    """The SQL (and parameters) of the request's ordered queries on ``table``."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if f"FROM {table}" in statement and "ORDER BY" in statement:
            seen.append((statement, params))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def plan(app: Any, statement: str, params: Any) -> list[str]:
    with app.app_context():
        rows = db.session.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement, params).all()
    return [row[-1] for row in rows]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/circolo-pagination.db")
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    os.environ.setdefault("FORUM_SEARCH_BACKEND", "null")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SEARCH_BACKEND": "null",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    build(app)

    from forum.discussions import services
    from forum.discussions.models import Category, PostState, Topic

    with app.app_context():
        big = db.session.scalar(select(Topic).order_by(Topic.post_count.desc()).limit(1))
        pages = -(-big.highest_post_number // app.config["POSTS_PER_PAGE"])
        cat_id, n_topics = db.session.execute(
            select(Topic.category_id, func.count()).where(Topic.state == PostState.PUBLISHED)
            .group_by(Topic.category_id).order_by(func.count().desc()).limit(1)).one()
        category_slug = db.session.get(Category, cat_id).slug
        # A topic 90% of the way down the category: the cursor "Older topics" would carry there.
        deep = db.session.scalar(select(Topic).where(Topic.category_id == cat_id,
                                                     Topic.state == PostState.PUBLISHED)
                                 .order_by(Topic.last_posted_at.desc(), Topic.id.desc())
                                 .offset(int(n_topics * 0.9)).limit(1))
        cursor = services.encode_cursor(deep)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        big_slug, big_id = big.slug, big.id
        topic_url = f"/t/{big_slug}/{big_id}"

    client = app.test_client()
    cases = [
        (f"topic page 1 of {pages}", f"{topic_url}"),
        (f"topic page 250 of {pages}", f"{topic_url}?page=250"),
        (f"topic page 500 of {pages}", f"{topic_url}?page=500"),
        (f"category page 1 ({n_topics} topics)", f"/c/{category_slug}"),
        (f"category deep cursor (~{int(n_topics * 0.9)} topics in)", f"/c/{category_slug}?before={cursor}"),
    ]
    print(f"\n{args.runs} runs each, Flask test client, SQLite {args.db}\n")
    print(f"{'request':<48} {'median ms':>10} {'p95 ms':>10}")
    print("-" * 70)
    results = timed(client, [url for _label, url in cases], args.runs)
    for (label, _url), (median, p95) in zip(cases, results, strict=True):
        print(f"{label:<48} {median:>10.2f} {p95:>10.2f}")

    for title, url, table in [("posts of topic page 500", f"{topic_url}?page=500", "posts"),
                              ("topics of category page 1 (pinned, then the rest)", f"/c/{category_slug}",
                               "topics"),
                              ("topics of the deep category page", f"/c/{category_slug}?before={cursor}",
                               "topics")]:
        print(f"\nEXPLAIN QUERY PLAN, {title}:")
        for statement, params in capture(app, client, url, table):
            for line in plan(app, statement, params):
                print("   ", line)

if __name__ == "__main__":
    main()
