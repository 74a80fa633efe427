"""The review queue page costs the same with 10 or 10,000 open items: a fixed number of SQL
queries and an index range scan per page (keyset cursor, oldest first). Not a test: run by hand.

    .venv/bin/python benchmarks/review_queue_bench.py [--items 10000] [--runs 30]

Builds a throw-away SQLite database with ``--items`` held replies (a quarter of them flagged
items with two flaggers each), then times GET /review (first page), a deep page (cursor near
the end) and two filtered pages through Flask's test client, and counts their SQL statements.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, insert, select

from forum import create_app
from forum.extensions import db


def build(items: int) -> tuple[Any, str]:
    from forum.accounts.models import User
    from forum.cli import ensure_default_data
    from forum.db_types import utcnow
    from forum.discussions.models import Category, Post, Topic
    from forum.moderation.models import Flag, ReviewItem

    tmp = Path(tempfile.mkdtemp(prefix="circolo-queue-"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'q.db'}", "SECRET_KEY": "bench",
                      "SEARCH_BACKEND": "null", "SEARCH_INDEX_DIR": str(tmp / "s"), "RATELIMIT_ENABLED": False,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        db.create_all()
        ensure_default_data()
        from werkzeug.security import generate_password_hash

        now = utcnow()
        pw = generate_password_hash("bench-password-123", method="pbkdf2:sha256:1000")
        users = [{"username": f"u{i}", "username_canonical": f"u{i}", "email": f"u{i}@x.test",
                  "email_canonical": f"u{i}@x.test", "password_hash": pw, "display_name": f"User {i}",
                  "role": "moderator" if i == 0 else "member", "created_at": now, "email_verified_at": now,
                  "approved_at": now, "accepted_coc_version": 1, "session_token": f"t{i}"}
                 for i in range(200)]
        db.session.execute(insert(User), users)
        category = db.session.scalar(select(Category).limit(1))
        topic = Topic(category_id=category.id, user_id=2, title="Busy topic", slug="busy-topic",
                      created_at=now, last_posted_at=now, highest_post_number=items + 1, post_count=1)
        db.session.add(topic)
        db.session.flush()
        db.session.execute(insert(Post), [
            {"topic_id": topic.id, "user_id": 2 + i % 190, "post_number": i + 2, "raw": f"Held reply {i}",
             "cooked": f"<p>Held reply {i}</p>", "created_at": now, "state": "pending"} for i in range(items)])
        post_ids = list(db.session.scalars(select(Post.id).where(Post.topic_id == topic.id)
                                           .order_by(Post.post_number)))
        db.session.execute(insert(ReviewItem), [
            {"kind": "flag" if i % 4 == 0 else "reply", "status": "open",
             "reason_code": "flags" if i % 4 == 0 else "new_member", "post_id": pid, "topic_id": topic.id,
             "category_id": category.id, "user_id": 2 + i % 190, "created_at": now, "updated_at": now,
             "score": 0.0, "hidden_by_flags": False} for i, pid in enumerate(post_ids)])
        item_ids = dict(db.session.execute(select(ReviewItem.post_id, ReviewItem.id)).all())
        db.session.execute(insert(Flag), [
            {"post_id": pid, "user_id": 2 + (i + k) % 190, "item_id": item_ids[pid], "reason": "spam",
             "status": "open", "weight": 1.0, "created_at": now}
            for i, pid in enumerate(post_ids) if i % 4 == 0 for k in (1, 2)])
        db.session.commit()
    return app, str(tmp)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    started = time.perf_counter()
    app, where = build(args.items)
    print(f"{args.items} open items built in {time.perf_counter() - started:.1f} s ({where})")
    client = app.test_client()
    client.post("/login", data={"login": "u0", "password": "bench-password-123"})
    with app.app_context():
        from forum.moderation.models import ReviewItem

        deep = db.session.execute(select(ReviewItem.created_at, ReviewItem.id)
                                  .order_by(ReviewItem.created_at.desc(), ReviewItem.id.desc()).limit(1)
                                  .offset(60)).one()
    cursor = f"{int(deep[0].timestamp() * 1_000_000)}_{deep[1]}"
    urls = ["/review", f"/review?after={cursor}", "/review?kind=flag", "/review?reason=new_member&age=1h"]
    statements: list[str] = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    print(f"{'page':<48} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
    for url in urls:
        assert client.get(url).status_code == 200, url  # warm-up
        statements.clear()
        client.get(url)
        queries = len([s for s in statements if not s.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT"))])
        samples = []
        for _ in range(args.runs):
            t = time.perf_counter()
            client.get(url)
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        print(f"{url[:48]:<48} {queries:>7} {statistics.median(samples):>10.1f} "
              f"{samples[int(len(samples) * .95) - 1]:>8.1f}")


if __name__ == "__main__":
    main()
