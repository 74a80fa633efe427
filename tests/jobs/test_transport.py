"""The real queue: Huey on a SQLite file and on Redis, with a consumer's threads running jobs
the way `forum worker` (or the web process's own consumer) does."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import select

from forum import jobs
from forum.extensions import db
from forum.jobs import Job, JobState, JobType
from tests.conftest import make_app

pytestmark = pytest.mark.committing  # the consumer's threads use connections of their own

REDIS_URL = os.environ.get("FORUM_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
DONE: dict[str, list[Any]] = {}


def remember(payload: dict[str, Any]) -> None:
    DONE.setdefault(payload["run"], []).append(payload["n"])


def redis_available() -> bool:
    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except redis.RedisError:
        return False


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not get there in time"
        time.sleep(0.05)


@pytest.fixture(params=["sqlite", "redis"])
def queue_app(request: pytest.FixtureRequest, app: Any, database_url: str, tmp_path: Path) -> Any:
    if request.param == "redis":
        if not redis_available():
            pytest.skip(f"no Redis at {REDIS_URL}")
        url = REDIS_URL
    else:
        url = "sqlite:///" + str(tmp_path / "queue.db")
    served = make_app(database_url, tmp_path / "queued", JOBS_MODE="queue", QUEUE_URL=url,
                      QUEUE_NAME=f"test-{uuid.uuid4().hex[:8]}")
    served.extensions["forum.jobs.types"].setdefault("test.remember", JobType("test.remember", remember))
    consumer = jobs.transport(served).consumer(workers=2)
    consumer._set_signal_handlers = lambda: None  # threads in a test, not a process of its own
    consumer.start()
    yield served
    consumer.stop(graceful=True)
    if request.param == "redis":
        jobs.transport(served).huey.storage.flush_all()
    with served.app_context():
        db.engine.dispose()


def test_jobs_queued_in_a_transaction_reach_the_workers_after_the_commit(queue_app):
    run = uuid.uuid4().hex
    with queue_app.app_context():
        for n in range(5):
            jobs.enqueue("test.remember", {"run": run, "n": n})
        time.sleep(0.5)
        assert run not in DONE  # nothing leaves before the commit
        db.session.commit()
    wait_for(lambda: sorted(DONE.get(run, [])) == [0, 1, 2, 3, 4])

    def all_done() -> bool:
        with queue_app.app_context():
            return db.session.scalar(select(Job.id).where(Job.state != JobState.DONE)) is None

    wait_for(all_done)


def test_a_job_whose_push_was_lost_is_found_by_the_sweeper(queue_app):
    run = uuid.uuid4().hex
    with queue_app.app_context():
        transport = jobs.transport(queue_app)
        pushes, transport.push = transport.push, lambda job_id, delay=0: None  # Redis away at commit time
        queued = jobs.enqueue("test.remember", {"run": run, "n": 1})
        db.session.commit()
        transport.push = pushes
        time.sleep(0.5)
        assert run not in DONE
        job = db.session.get(Job, queued.id)
        job.run_at = job.run_at.replace(year=job.run_at.year - 1)  # long overdue
        db.session.commit()
        assert jobs.sweep() == 1
    wait_for(lambda: DONE.get(run) == [1])


def test_a_rolled_back_write_sends_nothing_to_the_workers(queue_app):
    run = uuid.uuid4().hex
    with queue_app.app_context():
        jobs.enqueue("test.remember", {"run": run, "n": 1})
        db.session.rollback()
        jobs.enqueue("test.remember", {"run": run + "-marker", "n": 0})
        db.session.commit()
    wait_for(lambda: DONE.get(run + "-marker") == [0])  # the workers are there, and got only this
    assert run not in DONE
