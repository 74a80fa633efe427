"""The REST API against the pages it mirrors, and what webhooks add to a write. Not a test: run
by hand and compare the numbers.

    .venv/bin/python benchmarks/api_bench.py [--db /tmp/circolo-api.db] [--runs 30]

Builds the database once with the bulk seeder (2,000 topics, 20,000 posts), then reuses it.
Through Flask's test client, with a member's API key:

1. Reads, median and p95 ms: ``/latest`` (the HTML page) beside ``GET /api/v1/topics`` on its
   first page and 50 pages deep (the cursor from walking there), a topic's posts, and the
   statements each request runs (constant whatever the depth).
2. Writes: ``POST /api/v1/topics`` with no webhook endpoint, then with 10 endpoints subscribed
   to ``topic_created`` (deliveries are only queued here: no worker runs, so this is what the
   request itself pays: the delivery rows and their jobs, written after the commit).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, select

from forum import create_app
from forum.extensions import db


def build(app: Any) -> None:
    from forum.cli import ensure_default_data, upgrade_schema
    from forum.discussions.models import Topic
    from forum.seed import seed

    with app.app_context():
        upgrade_schema()
        ensure_default_data()
        if (db.session.scalar(select(func.count()).select_from(Topic)) or 0) >= 2_000:
            return
        print("building the database (once)...", flush=True)
        started = time.perf_counter()
        seed(200, 2_000, 20_000, seed_value=42)
        print(f"built in {time.perf_counter() - started:.0f} s", flush=True)


def keys_and_people(app: Any) -> tuple[str, str, int]:
    """An admin's integration key (read, write) and a category id to post in."""
    from forum.accounts.models import Role, User
    from forum.api import keys
    from forum.discussions.models import Category

    with app.test_request_context("/"):
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
        if admin is None:
            admin = db.session.scalar(select(User).limit(1))
            admin.role = Role.ADMIN
            db.session.commit()
        reader = keys.create_admin_key(admin, "bench reader", ["read"], acts_as=admin).secret
        writer = keys.create_admin_key(admin, "bench writer", ["read", "write"], acts_as=admin).secret
        category = db.session.scalar(select(Category.id).where(Category.slug == "general"))
        db.session.commit()
    return reader, writer, int(category or 1)


def timed(call: Any, runs: int) -> tuple[float, float]:
    for _ in range(3):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(0, int(len(samples) * 0.95) - 1)]


def statements(app: Any, call: Any) -> int:
    count = 0

    def listener(*_args: Any) -> None:
        nonlocal count
        count += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        call()
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    return count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", default="/tmp/circolo-api.db")
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    folder = Path(args.db).with_suffix("")
    folder.mkdir(parents=True, exist_ok=True)
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{args.db}", "SEARCH_INDEX_DIR": str(folder / "search"),
        "QUEUE_URL": f"sqlite:///{folder / 'queue.db'}", "RATELIMIT_ENABLED": False, "SECRET_KEY": "bench",
        "SETTINGS_CHECK_SECONDS": None,
    })
    build(app)
    reader, writer, category = keys_and_people(app)
    client = app.test_client()
    read_headers = {"Authorization": f"Bearer {reader}"}
    write_headers = {"Authorization": f"Bearer {writer}"}

    cursor = None
    for _ in range(50):
        answer = client.get("/api/v1/topics" + (f"?cursor={cursor}" if cursor else ""), headers=read_headers)
        cursor = answer.get_json()["next"]
    first_topic = client.get("/api/v1/topics", headers=read_headers).get_json()["items"][0]["id"]
    reads = {
        "GET /latest (HTML page)": lambda: client.get("/latest"),
        "GET /api/v1/topics": lambda: client.get("/api/v1/topics", headers=read_headers),
        "GET /api/v1/topics, 50 pages deep": lambda: client.get(f"/api/v1/topics?cursor={cursor}",
                                                                headers=read_headers),
        "GET /api/v1/topics/<id>/posts": lambda: client.get(f"/api/v1/topics/{first_topic}/posts",
                                                            headers=read_headers),
    }
    print(f"{'request':42} {'median ms':>10} {'p95 ms':>8} {'statements':>11}")
    for label, call in reads.items():
        median, p95 = timed(call, args.runs)
        print(f"{label:42} {median:10.1f} {p95:8.1f} {statements(app, call):11d}")

    counter = iter(range(1_000_000))

    def write() -> None:
        n = next(counter)
        answer = client.post("/api/v1/topics", headers=write_headers, json={
            "category_id": category, "title": f"Benchmark topic number {n}",
            "body": "A topic started through the API by the benchmark."})
        assert answer.status_code == 201, answer.get_json()

    median, p95 = timed(write, args.runs)
    print(f"{'POST /api/v1/topics, no endpoint':42} {median:10.1f} {p95:8.1f} {statements(app, write):11d}")
    from forum.accounts.models import Role, User
    from forum.webhooks import services as webhooks
    from forum.webhooks.services import EndpointInput

    with app.test_request_context("/"):
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
        for n in range(10):
            webhooks.create_endpoint(admin, EndpointInput(
                url=f"https://hooks{n}.example.com/in", description="bench", events=["topic_created"],
                active=True, allow_internal=False))
        db.session.commit()
    median, p95 = timed(write, args.runs)
    print(f"{'POST /api/v1/topics, 10 endpoints':42} {median:10.1f} {p95:8.1f} {statements(app, write):11d}")


if __name__ == "__main__":
    main()
