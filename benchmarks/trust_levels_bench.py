"""Trust levels' hourly job and the member directory on a sizeable forum. Not a test: run by
hand and compare the numbers.

    .venv/bin/python benchmarks/trust_levels_bench.py [--db /tmp/circolo-trust.db] [--runs 20]

Builds the database once with the bulk seeder (10,000 members, 5,000 topics, 100,000 posts)
plus 200,000 reading rows (``topic_members``: 20 topics read by each member), everyone seen
today. Then:

1. ``refresh_trust_levels(full=True)``: the whole recount and promotion (a handful of
   statements whatever the size), first run (promotes) and second run (idempotent, nothing to do).
2. ``GET /members`` (each sort) and ``?q=`` search: median and p95 ms, and statements per page.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, update

from forum import create_app
from forum.extensions import db


def build(app: Any) -> None:
    from forum.accounts.models import User
    from forum.cli import ensure_default_data, upgrade_schema
    from forum.db_types import utcnow
    from forum.discussions.models import Topic, TopicMember
    from forum.seed import seed

    with app.app_context():
        upgrade_schema()
        ensure_default_data()
        if (db.session.scalar(select(func.count()).select_from(TopicMember)) or 0) >= 200_000:
            return
        print("building the database (once)...", flush=True)
        started = time.perf_counter()
        seed(10_000, 5_000, 100_000, seed_value=42)
        users = list(db.session.scalars(select(User.id)))
        topics = list(db.session.scalars(select(Topic.id)))
        rng = random.Random(7)
        rows = [{"user_id": u, "topic_id": t, "last_read_post_number": rng.randint(1, 20)}
                for u in users for t in rng.sample(topics, 20)]
        db.session.execute(insert(TopicMember).prefix_with("OR IGNORE"), rows)
        db.session.execute(update(User).values(last_seen_at=utcnow()))
        db.session.commit()
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def timed(runs: int, call: Any) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/circolo-trust.db")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    folder = Path(args.db).with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SEARCH_INDEX_DIR": str(folder / "search"),
        "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}", "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench",
        "SETTINGS_CHECK_SECONDS": None,
    })
    build(app)
    from forum.accounts.models import User
    from forum.members.services import refresh_trust_levels

    with app.test_request_context("/"):
        db.session.execute(update(User).values(trust_level=0, trust_level_locked=False, days_visited=0,
                                               visit_counted_at=None))
        db.session.commit()
        for label in ("first run (promotes)", "second run (nothing to do)"):
            started = time.perf_counter()
            result = refresh_trust_levels(full=True)
            print(f"refresh_trust_levels {label}: {(time.perf_counter() - started) * 1000:.0f} ms, "
                  f"{len(result.promoted)} promoted", flush=True)
        levels = dict(db.session.execute(select(User.trust_level, func.count()).group_by(User.trust_level)).all())
        print("members per level:", levels)

    client = app.test_client()
    statements: list[int] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.append(1))
    for url in ("/members", "/members?sort=likes", "/members?sort=seen", "/members?sort=joined",
                "/members?q=user12", "/members?group=regulars"):
        client.get(url)
        statements.clear()
        assert client.get(url).status_code == 200
        count = len(statements)
        median, p95 = timed(args.runs, lambda url=url: client.get(url))
        print(f"GET {url}: median {median:.1f} ms, p95 {p95:.1f} ms, {count} statements", flush=True)


if __name__ == "__main__":
    main()
