"""A reply in a topic with 10,000 watchers: the reply answers as fast as in a topic with none,
and the notices reach every watcher soon after, through the job queue. Not a test: run by hand.

    .venv/bin/python benchmarks/fanout_bench.py [--watchers 10000] [--replies 20]
    .venv/bin/python benchmarks/fanout_bench.py --database postgresql+psycopg://postgres@127.0.0.1:5432/fanout

Builds a throw-away forum (SQLite by default, or the given PostgreSQL database, emptied), with
``--watchers`` members watching one topic and a second topic nobody watches. A real worker runs
in its own process (``flask --app wsgi forum worker``, Huey on a SQLite file), as in production.
Then one member posts ``--replies`` replies to each topic through the app (Flask's test client:
the whole request, views to commit) and the script reports:

* reply latency (median, p95) in the quiet topic and in the watched topic: it must not grow with
  the number of watchers (the request only queues one job);
* for the watched topic, the time from the last reply's answer until all notices of the 20 exist
  (every watcher and the topic's author), then for one more reply on an idle queue.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text

from forum import create_app
from forum.extensions import db

ROOT = Path(__file__).resolve().parent.parent


def config(database: str, tmp: Path) -> dict[str, Any]:
    return {"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench", "SEARCH_BACKEND": "null",
            "SEARCH_INDEX_DIR": str(tmp / "s"), "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False,
            "JOBS_MODE": "queue", "JOBS_WORKER": "external", "QUEUE_URL": "sqlite:///" + str(tmp / "queue.db"),
            "MAIL_DELIVERY": "queue", "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def build(database: str, watchers: int, tmp: Path) -> tuple[Any, int, int]:
    from forum.accounts.models import User
    from forum.cli import ensure_default_data
    from forum.db_types import utcnow
    from forum.discussions import services as discussions
    from forum.discussions.models import Category, NotificationLevel, TopicMember

    if database.startswith("postgresql"):
        engine = create_engine(database)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
    app = create_app(config(database, tmp))
    with app.app_context():
        db.create_all()
        ensure_default_data()
        from werkzeug.security import generate_password_hash

        now = utcnow()
        pw = generate_password_hash("bench-password-123", method="pbkdf2:sha256:1000")
        rows = [{"username": f"w{i}", "username_canonical": f"w{i}", "email": f"w{i}@x.test",
                 "email_canonical": f"w{i}@x.test", "password_hash": pw, "display_name": f"Watcher {i}",
                 "role": "member", "created_at": now, "email_verified_at": now, "approved_at": now,
                 "accepted_coc_version": 1, "session_token": f"t{i}", "notification_prefs": {}}
                for i in range(watchers + 2)]
        for start in range(0, len(rows), 2000):
            db.session.execute(insert(User), rows[start:start + 2000])
        db.session.commit()
        author = db.session.scalar(select(User).where(User.username == "w0"))
        category = db.session.scalar(select(Category).where(Category.slug == "general"))
        watched = discussions.create_topic(author, category, "A topic everyone watches",
                                           "Tell us everything about your grinder.").post.topic
        quiet = discussions.create_topic(author, category, "A topic nobody watches",
                                         "Nobody follows this one.").post.topic
        db.session.commit()
        ids = list(db.session.scalars(select(User.id).where(User.username.not_in(("w0", "w1")))))
        for start in range(0, len(ids), 5000):
            db.session.execute(insert(TopicMember), [
                {"user_id": uid, "topic_id": watched.id, "level": int(NotificationLevel.WATCHING),
                 "level_reason": "chosen", "last_read_post_number": 0} for uid in ids[start:start + 5000]])
        db.session.commit()
        return app, watched.id, quiet.id


def timed_replies(app: Any, topic_id: int, count: int) -> tuple[list[float], list[int]]:
    client = app.test_client()
    client.post("/login", data={"login": "w1", "password": "bench-password-123"})
    times, post_ids = [], []
    from forum.discussions.models import Post

    for n in range(count):
        start = time.perf_counter()
        response = client.post(f"/t/{topic_id}/reply", data={"body": f"Reply number {n} with a few words."})
        times.append(time.perf_counter() - start)
        assert response.status_code in (200, 302), response.status_code
        with app.app_context():
            post_ids.append(db.session.scalar(select(func.max(Post.id)).where(Post.topic_id == topic_id)))
    return times, post_ids


def wait_for_notices(post_ids: list[int], target: int, since: float) -> int:
    from forum.notifications.models import Notification

    while True:
        made = db.session.scalar(select(func.count()).select_from(Notification)
                                 .where(Notification.post_id.in_(post_ids))) or 0
        db.session.remove()
        if made >= target or time.perf_counter() - since > 900:
            return made
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watchers", type=int, default=10_000)
    parser.add_argument("--replies", type=int, default=20)
    parser.add_argument("--database", default=None, help="default: a SQLite file in a temporary folder")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="circolo-fanout-"))
    database = args.database or "sqlite:///" + str(tmp / "forum.db")
    print(f"building: {args.watchers} watchers on {database.split(':')[0]} …", flush=True)
    app, watched, quiet = build(database, args.watchers, tmp)
    env = {**os.environ, **{f"FORUM_{k}": (v if isinstance(v, str) else str(v).lower())
                            for k, v in config(database, tmp).items()}}
    worker = subprocess.Popen([str(Path(sys.executable).with_name("flask")), "--app", "wsgi", "forum", "worker",
                               "--threads", "2"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        quiet_times, _ = timed_replies(app, quiet, args.replies)
        watched_times, post_ids = timed_replies(app, watched, args.replies)
        answered = time.perf_counter()
        with app.app_context():
            # every watcher, and the topic's author (a reply to their topic), hears of each reply
            target = (args.watchers + 1) * len(post_ids)
            made = wait_for_notices(post_ids, target, answered)
        spread = time.perf_counter() - answered
        # One more reply on a quiet queue: how long until ITS notices all exist.
        single_times, single = timed_replies(app, watched, 1)
        alone = time.perf_counter()
        with app.app_context():
            single_made = wait_for_notices(single, args.watchers + 1, alone)
        single_spread = time.perf_counter() - alone
    finally:
        worker.terminate()
        worker.wait(10)

    def ms(values: list[float], q: float) -> float:
        ordered = sorted(values)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    print(f"reply, topic with no watcher:      median {1000 * statistics.median(quiet_times):6.1f} ms,"
          f" p95 {ms(quiet_times, 0.95):6.1f} ms")
    print(f"reply, topic with {args.watchers} watchers: median {1000 * statistics.median(watched_times):6.1f} ms,"
          f" p95 {ms(watched_times, 0.95):6.1f} ms")
    print(f"notices for {len(post_ids)} replies × {args.watchers} watchers: {made} of {target} "
          f"made {spread:.1f} s after the last reply answered "
          f"({made / max(spread, 1e-9):.0f} notices a second)")
    print(f"one more reply ({1000 * single_times[0]:.1f} ms): {single_made} of {args.watchers + 1} notices "
          f"made {single_spread:.2f} s after it answered")


if __name__ == "__main__":
    main()
