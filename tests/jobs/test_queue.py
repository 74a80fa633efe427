"""The job queue's policy (forum/jobs/queue.py): durable with the write, once per key, claimed
once, retried with a growing delay, failed jobs visible and retryable, lost work swept back.

These run with JOBS_MODE = "inline" (no transport): what is pushed after a commit runs when
run_pending() is called. tests/jobs/test_transport.py runs the real queue, SQLite and Redis."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from forum import jobs
from forum.db_types import utcnow
from forum.extensions import db
from forum.jobs import Job, JobState, JobType, Later

CALLS: list[dict[str, Any]] = []


def note(payload: dict[str, Any]) -> None:
    CALLS.append(payload)


def explode(payload: dict[str, Any]) -> None:
    CALLS.append(payload)
    raise RuntimeError("SMTP said no")


def not_yet(payload: dict[str, Any]) -> None:
    raise Later(90)


@pytest.fixture(autouse=True)
def test_jobs(app):
    """Jobs of the tests' own, on an app shared with other tests: registered once, kept."""
    types = app.extensions.setdefault("forum.jobs.types", {})
    for kind in (JobType("test.note", note), JobType("test.explode", explode, max_attempts=3, base_delay=10),
                 JobType("test.later", not_yet)):
        types.setdefault(kind.name, kind)
    CALLS.clear()
    yield
    CALLS.clear()


def job(job_id: int) -> Job:
    db.session.expire_all()
    found = db.session.get(Job, job_id)
    assert found is not None
    return found


def test_a_job_runs_after_the_commit_that_queued_it(app):
    queued = jobs.enqueue("test.note", {"n": 1})
    assert jobs.run_pending() == 0  # not committed yet: nothing was handed over
    db.session.commit()
    assert jobs.run_pending() == 1
    assert CALLS == [{"n": 1}] and job(queued.id).state == JobState.DONE


def test_a_rolled_back_write_queues_nothing(app):
    jobs.enqueue("test.note", {"n": 2})
    db.session.rollback()
    db.session.commit()
    assert jobs.run_pending() == 0 and CALLS == []
    assert db.session.scalar(select(Job).where(Job.name == "test.note")) is None


def test_a_key_queues_its_work_once(app):
    first = jobs.enqueue("test.note", {"n": 3}, dedupe_key="mail:42")
    again = jobs.enqueue("test.note", {"n": 3}, dedupe_key="mail:42")
    db.session.commit()
    assert first.id == again.id
    jobs.run_pending()
    assert CALLS == [{"n": 3}]
    assert jobs.enqueue("test.note", {"n": 3}, dedupe_key="mail:42").id == first.id  # even once done


def test_a_job_is_claimed_once_whoever_pushes_it(app):
    queued = jobs.enqueue("test.note", {"n": 4})
    db.session.commit()
    assert jobs.run(queued.id) == JobState.DONE
    assert jobs.run(queued.id) == "skipped"  # a second push, another worker
    assert CALLS == [{"n": 4}]


def test_a_failing_job_is_retried_later_then_failed_and_shown(app):
    queued = jobs.enqueue("test.explode", {"n": 5})
    db.session.commit()
    before = utcnow()
    assert jobs.run(queued.id) == JobState.QUEUED
    first = job(queued.id)
    assert first.attempts == 1 and "SMTP said no" in first.last_error
    assert first.run_at >= before + timedelta(seconds=9)  # 10 s, then 40 s …
    assert jobs.run(queued.id) == "skipped"  # not due yet
    for attempt in (2, 3):
        first.run_at = utcnow()
        db.session.commit()
        state = jobs.run(queued.id)
        assert job(queued.id).attempts == attempt
    assert state == JobState.FAILED and job(queued.id).finished_at is not None
    assert jobs.counts()[JobState.FAILED] == 1
    # An admin retries it: a fresh set of attempts, queued now.
    assert jobs.retry(queued.id) is True
    assert job(queued.id).state == JobState.QUEUED and job(queued.id).attempts == 0
    assert jobs.retry(queued.id) is False  # only failed jobs


def test_a_job_that_must_wait_is_put_back_without_using_an_attempt(app):
    queued = jobs.enqueue("test.later")
    db.session.commit()
    assert jobs.run(queued.id) == JobState.QUEUED
    waiting = job(queued.id)
    assert waiting.attempts == 0 and waiting.run_at > utcnow() + timedelta(seconds=80)


def test_the_sweeper_pushes_lost_and_abandoned_jobs_again(app):
    lost = jobs.enqueue("test.note", {"n": "lost"})
    abandoned = jobs.enqueue("test.note", {"n": "abandoned"})
    fresh = jobs.enqueue("test.note", {"n": "fresh"})
    db.session.commit()
    # Drop the pushes on the floor: as if the worker or Redis had lost them.
    app.extensions.get("forum.jobs.inline").__dict__.clear()
    job(lost.id).run_at = utcnow() - timedelta(minutes=5)
    stuck = job(abandoned.id)
    stuck.state, stuck.attempts, stuck.locked_until = JobState.RUNNING, 1, utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert jobs.sweep() == 2  # not the fresh one: its push may still be on its way
    jobs.run_pending()
    assert sorted(c["n"] for c in CALLS) == ["abandoned", "lost"]
    assert job(fresh.id).state == JobState.QUEUED


def test_an_unknown_job_is_a_programming_error(app):
    with pytest.raises(LookupError):
        jobs.enqueue("test.nobody")


def test_finished_jobs_and_sent_mail_are_forgotten_after_a_week(app):
    from forum.mail import MailMessage, MailState
    from forum.mail.delivery import prune_job

    old, recent, failed = (jobs.enqueue("test.note", {"n": n}).id for n in ("old", "recent", "failed"))
    db.session.commit()
    jobs.run_pending()
    job(old).finished_at = utcnow() - timedelta(days=8)
    db.session.commit()  # before job() below expires what is not written yet
    stuck = job(failed)
    stuck.state, stuck.finished_at = JobState.FAILED, utcnow() - timedelta(days=30)
    db.session.add_all([MailMessage(to="a@example.com", subject="s", text="t", state=MailState.SENT,
                                    sent_at=utcnow() - timedelta(days=8)),
                        MailMessage(to="b@example.com", subject="s", text="t", state=MailState.UNCERTAIN)])
    db.session.commit()
    assert jobs.prune(7) == 1
    prune_job({})
    db.session.expire_all()
    assert {j.id for j in db.session.scalars(select(Job))} >= {recent, failed}
    assert db.session.get(Job, old) is None
    assert [m.to for m in db.session.scalars(select(MailMessage))] == ["b@example.com"]
