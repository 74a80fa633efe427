"""Read state at scale: what a member's "N new", muted topics, /new and /unread cost, and what
marking read costs. Not a test: run by hand and compare the numbers.

    .venv/bin/python benchmarks/reading_bench.py [--db /tmp/circolo-reading.db] [--runs 30]

Builds the database once with the bulk seeder (20,000 topics and 100,000 posts, plus a
10,000-post topic), then gives one member, "reader", a long history: 5,000 opened topics (half
tracked, most with a few unread posts; 1,500 other members have 60 each), the 10,000-post
topic tracked and read only to #1 (its unread count stops at watching.UNREAD_CAP), 200 muted
topics and one muted category. Times GET
requests through Flask's test client (templates included) as that member and as a visitor,
and POST /t/<id>/read (one upsert), then prints SQLite's EXPLAIN QUERY PLAN of the list queries.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select, text, update

from forum import create_app
from forum.extensions import db

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pagination_bench import plan, timed  # the same timing and EXPLAIN helpers

PASSWORD = "correct horse battery staple"
OPENED = 5_000
MUTED_TOPICS = 200
OTHER_MEMBERS = 1_500   # ... with OTHER_ROWS_EACH opened topics each (the planner's statistics)
OTHER_ROWS_EACH = 60


def build(app: Any) -> None:
    from forum.accounts.models import User
    from forum.cli import create_user, ensure_default_data, upgrade_schema
    from forum.db_types import utcnow
    from forum.discussions.models import Category, CategoryMember, NotificationLevel, PostState, Topic, TopicMember
    from forum.seed import seed

    with app.app_context():
        upgrade_schema()
        ensure_default_data()
        if db.session.scalar(select(User.id).where(User.username == "reader")):
            return
        print("building the database (once)...", flush=True)
        started = time.perf_counter()
        if (db.session.scalar(select(func.count()).select_from(Topic)) or 0) < 20_000:
            seed(2_000, 20_000, 100_000, seed_value=42)
            seed(50, 1, 10_000, seed_value=43)  # one topic: every reply lands in it
        create_user("reader", "reader@example.com", PASSWORD)
        reader = db.session.scalar(select(User).where(User.username == "reader"))
        rng = random.Random(7)
        topics = db.session.execute(select(Topic.id, Topic.highest_post_number)
                                    .where(Topic.state == PostState.PUBLISHED)).all()
        big = max(topics, key=lambda t: t[1])
        chosen = rng.sample([t for t in topics if t[0] != big[0]], OPENED + MUTED_TOPICS)
        rows = [{"user_id": reader.id, "topic_id": tid, "level": int(NotificationLevel.TRACKING) if i % 2 else None,
                 "level_reason": "replied" if i % 2 else None,
                 "last_read_post_number": max(1, highest - rng.randint(0, 4)), "last_visited_at": utcnow()}
                for i, (tid, highest) in enumerate(chosen[:OPENED])]
        rows += [{"user_id": reader.id, "topic_id": tid, "level": int(NotificationLevel.MUTED),
                  "level_reason": "chosen", "last_read_post_number": 0, "last_visited_at": None}
                 for tid, _h in chosen[OPENED:]]
        rows.append({"user_id": reader.id, "topic_id": big[0], "level": int(NotificationLevel.TRACKING),
                     "level_reason": "replied", "last_read_post_number": 1, "last_visited_at": utcnow()})
        db.session.execute(insert(TopicMember), rows)
        # Everyone else's history too, so the planner's statistics look like a real forum's.
        others = db.session.scalars(select(User.id).where(User.id != reader.id).limit(OTHER_MEMBERS)).all()
        ids = [t[0] for t in topics]
        db.session.execute(insert(TopicMember), [
            {"user_id": uid, "topic_id": tid, "level": int(NotificationLevel.TRACKING) if tid % 3 == 0 else None,
             "level_reason": None, "last_read_post_number": 1, "last_visited_at": None}
            for uid in others for tid in rng.sample(ids, OTHER_ROWS_EACH)])
        db.session.execute(insert(CategoryMember), [
            {"user_id": uid, "category_id": cid, "level": int(NotificationLevel.WATCHING)}
            for uid in others[:300] for cid in db.session.scalars(select(Category.id).limit(2))])
        muted_category = db.session.scalar(select(Category.id).order_by(Category.id).limit(1))
        db.session.execute(insert(CategoryMember), [{"user_id": reader.id, "category_id": muted_category,
                                                     "level": int(NotificationLevel.MUTED)}])
        db.session.execute(update(User).where(User.id == reader.id).values(
            previous_visit_at=utcnow() - timedelta(days=3), created_at=utcnow() - timedelta(days=400)))
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def capture(app: Any, client: Any, url: str) -> list[tuple[str, Any]]:
    """The request's statements that read topics with the member's rows."""
    seen: list[tuple[str, Any]] = []

    def listener(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if "FROM topics" in statement and ("topic_members" in statement or "ORDER BY" in statement):
            seen.append((statement, params))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return seen


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="/tmp/circolo-reading.db")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    os.environ.setdefault("FORUM_SEARCH_BACKEND", "null")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SEARCH_BACKEND": "null",
                      "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    build(app)

    from forum.discussions.models import Category, Topic

    with app.app_context():
        big = db.session.scalar(select(Topic).order_by(Topic.post_count.desc()).limit(1))
        busiest = db.session.scalar(select(Category).order_by(Category.topic_count.desc()).limit(1))
        big_id, big_url, category_url = big.id, f"/t/{big.slug}/{big.id}", f"/c/{busiest.slug}"

    visitor = app.test_client()
    member = app.test_client()
    assert member.post("/login", data={"login": "reader", "password": PASSWORD}).status_code == 302
    cases = [("visitor  /latest", visitor, "/latest"),
             ("member   /latest", member, "/latest"),
             ("visitor  category page", visitor, category_url),
             ("member   category page", member, category_url),
             ("member   /unread", member, "/unread"),
             ("member   /new", member, "/new"),
             ("member   10,000-post topic, page 1", member, big_url)]
    print(f"\n{args.runs} runs each, Flask test client, SQLite {args.db}\n")
    print(f"{'request':<44} {'median ms':>10} {'p95 ms':>10}")
    print("-" * 66)
    for label, client, url in cases:
        (median, p95), = timed(client, [url], args.runs)
        print(f"{label:<44} {median:>10.2f} {p95:>10.2f}")
    samples = []
    for i in range(args.runs):
        start = time.perf_counter()
        response = member.post(f"/t/{big_id}/read", data={"post_number": str(2 + i)})
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 204
    samples.sort()
    print(f"{'member   POST /t/<id>/read (mark read)':<44} {samples[len(samples) // 2]:>10.2f} "
          f"{samples[max(0, int(len(samples) * 0.95) - 1)]:>10.2f}")

    for title, url in [("/latest as the member", "/latest"), ("/unread", "/unread"), ("/new", "/new")]:
        print(f"\nEXPLAIN QUERY PLAN, {title}:")
        for statement, params in capture(app, member, url):
            print("  ", " ".join(statement.split())[:90], "...")
            for line in plan(app, statement, params):
                print("     ", line)


if __name__ == "__main__":
    main()
