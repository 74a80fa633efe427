"""Queueing and running jobs: the policy.

* **Durable**: :func:`enqueue` writes a :class:`Job` row in the caller's transaction. Nothing
  leaves before the commit; when the commit happens the job's id is pushed to the transport
  (Huey: a SQLite file in the instance folder by default, Redis with ``FORUM_QUEUE_URL``). A
  rolled-back write queues nothing; a push lost to a crash or a Redis outage is pushed again by
  :func:`sweep`, which the worker runs every minute.
* **Once per key**: a ``dedupe_key`` is unique among jobs, so a retried request, a double click
  or cron running twice never doubles the work (the second :func:`enqueue` returns the first).
* **Claimed, then run**: :func:`run` claims a due job with one conditional UPDATE (a job pushed
  twice runs once), runs its handler, and marks it done. A handler that raises is retried with
  a growing delay (``base_delay`` × 4^(attempt-1), at most an hour) until ``max_attempts``; then
  the job is ``failed`` and shown to admins (``/admin/jobs``), who may retry it. A worker that
  dies mid-job leaves it ``running`` past its lease: :func:`sweep` queues it again, so handlers
  must be idempotent (they are: each checks what it already did).
* **Later, not failed**: a handler raising :class:`Later` (a mail rate limit reached) is put
  back for that many seconds without using an attempt.

``JOBS_MODE = "inline"`` (the test suite) has no transport: jobs queued in a request run right
after it (``after_request``), and :func:`run_pending` runs what was queued outside one.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import delete, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from forum.db_types import utcnow
from forum.extensions import db

from .models import Job, JobState

log = logging.getLogger(__name__)

_TYPES = "forum.jobs.types"
_PENDING = "forum.jobs.pending"  # session.info: ids to push when the session commits
_INLINE = "forum_jobs_inline"    # g / app context: ids to run after the request (inline mode)
INLINE_HOLDER = "forum.jobs.inline"  # app.extensions: ids queued outside a request (inline mode)
MAX_DELAY_SECONDS = 3600
SWEEP_GRACE_SECONDS = 60  # a queued job this overdue was never pushed, or its push was lost


@dataclass(frozen=True)
class JobType:
    """A kind of job: ``handler(payload)`` does the work, in an app context, and commits what it
    writes; it must be idempotent (a job may run again after a worker died)."""

    name: str
    handler: Callable[[dict[str, Any]], None]
    max_attempts: int = 5
    base_delay: float = 30.0
    lease_seconds: int = 600


class Later(Exception):  # a request to run again later, not an error
    """Raised by a handler that cannot do its work yet (a rate limit): run again in ``seconds``."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"later: {seconds} s")
        self.seconds = seconds


def register_job(app: Flask, job_type: JobType) -> None:
    """Called from a domain's ``init_app``. A name registered twice is a start-up error."""
    types: dict[str, JobType] = app.extensions.setdefault(_TYPES, {})
    if job_type.name in types:
        raise RuntimeError(f"job {job_type.name!r} is registered twice")
    types[job_type.name] = job_type


def job_type(name: str) -> JobType | None:
    return current_app.extensions.get(_TYPES, {}).get(name)


def enqueue(name: str, payload: dict[str, Any] | None = None, *, dedupe_key: str | None = None,
            delay: float = 0) -> Job:
    """Queue ``name`` in the caller's transaction (it runs after the commit). With a
    ``dedupe_key`` already used, the existing job is returned and nothing new is queued."""
    kind = job_type(name)
    if kind is None:
        raise LookupError(f"no job {name!r} was registered")
    if dedupe_key:
        existing = db.session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    job = Job(name=name, payload=payload or {}, dedupe_key=dedupe_key, max_attempts=kind.max_attempts,
              run_at=utcnow() + timedelta(seconds=delay))
    try:
        with db.session.begin_nested():  # a concurrent twin: its row wins, this write stands
            db.session.add(job)
    except IntegrityError:
        existing = db.session.scalar(select(Job).where(Job.dedupe_key == dedupe_key))
        if existing is None:
            raise
        return existing
    db.session.info.setdefault(_PENDING, []).append((job.id, delay))
    return job


def enqueue_many(name: str, items: Sequence[tuple[dict[str, Any], str | None]]) -> list[int]:
    """Queue many ``(payload, dedupe_key)`` of one job type in the caller's transaction, in a
    bounded number of statements (a fan-out's mail: one lookup of the keys already used, one
    multi-row insert), not two per job as :func:`enqueue` takes. Keys already used (or used
    twice in ``items``) queue nothing. Returns the new jobs' ids. A concurrent twin that wins a
    key between the lookup and the insert sends the whole batch through :func:`enqueue`, one by
    one, which settles each key on its own."""
    kind = job_type(name)
    if kind is None:
        raise LookupError(f"no job {name!r} was registered")
    keys = [key for _payload, key in items if key]
    used: set[str] = set()
    if keys:
        used = set(db.session.scalars(select(Job.dedupe_key).where(Job.dedupe_key.in_(keys))))
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for payload, key in items:
        if key:
            if key in used:
                continue
            used.add(key)
        rows.append({"name": name, "payload": payload, "dedupe_key": key, "state": JobState.QUEUED,
                     "attempts": 0, "max_attempts": kind.max_attempts, "run_at": now, "created_at": now})
    if not rows:
        return []
    table = Job.__table__
    try:
        with db.session.begin_nested():
            ids = list(db.session.scalars(insert(table).returning(table.c.id), rows))
    except IntegrityError:
        ids = [enqueue(name, row["payload"], dedupe_key=row["dedupe_key"]).id for row in rows]
    db.session.info.setdefault(_PENDING, []).extend((job_id, 0.0) for job_id in ids)
    return ids


# --- after the commit: hand the ids to the transport ---------------------------------------------

@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: the write is not committed yet
    pending = session.info.pop(_PENDING, None)
    if pending and has_app_context():
        _hand_over(pending)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session: Session) -> None:
    if not session.in_nested_transaction():  # the whole write, not one savepoint of it
        session.info.pop(_PENDING, None)


def _hand_over(pending: list[tuple[int, float]]) -> None:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("JOBS_MODE") == "inline":
        holder = g if has_request_context() else app.extensions.setdefault(INLINE_HOLDER, _Holder())
        waiting: list[int] = getattr(holder, _INLINE, None) or []
        waiting.extend(job_id for job_id, _delay in pending)
        setattr(holder, _INLINE, waiting)
        return
    transport = app.extensions.get("forum.jobs.transport")
    if transport is None:
        return  # no transport (a CLI command with the worker elsewhere): the sweeper pushes them
    for job_id, delay in pending:
        try:
            transport.push(job_id, delay)
        except Exception:  # Redis away: the row is safe, the sweeper pushes it again
            log.warning("could not push job %s; the sweeper will", job_id, exc_info=True)


class _Holder:
    """Outside a request (inline mode): where queued ids wait for :func:`run_pending`."""


def inline_holder(app: Flask) -> _Holder:
    """The app's holder of ids queued outside a request (inline mode), made with the app: a
    test that queues work from its own code leaves the app as it was built (its holder is
    emptied between tests, see tests/conftest.py)."""
    holder: _Holder = app.extensions.setdefault(INLINE_HOLDER, _Holder())
    return holder


def run_pending(*, request_only: bool = False) -> int:
    """Inline mode: run the jobs queued so far (outside a request, or before it ends), and the
    jobs those queue in turn. Returns how many ran. ``request_only``: only the current request's
    (what runs after each request): work a test queued from its own code waits for its own call,
    so it never lands in the next request's SQL count."""
    count = 0
    for _round in range(20):  # jobs that queue jobs: a chain, not a loop
        ids: list[int] = []
        for holder in (g if has_request_context() else None,
                       None if request_only else current_app.extensions.get(INLINE_HOLDER)):
            if holder is not None and getattr(holder, _INLINE, None):
                ids.extend(getattr(holder, _INLINE))
                setattr(holder, _INLINE, [])
        if not ids:
            return count
        for job_id in ids:
            run(job_id)
            count += 1
    return count


# --- running --------------------------------------------------------------------------------------

def run(job_id: int) -> str:
    """Claim the job if it is due and queued, run it, record the outcome. Returns the job's state
    afterwards ("skipped" when it was not ours to run)."""
    now = utcnow()
    lease_job = db.session.get(Job, job_id)
    kind = job_type(lease_job.name) if lease_job else None
    if lease_job is None or kind is None:
        db.session.rollback()
        return "skipped"
    claimed = db.session.execute(
        update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED, Job.run_at <= now + timedelta(seconds=1))
        .values(state=JobState.RUNNING, attempts=Job.attempts + 1, updated_at=now,
                locked_until=now + timedelta(seconds=kind.lease_seconds)))
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return "skipped"  # done, running elsewhere, or not due (pushed early): its own push runs it
    job = db.session.get(Job, job_id)
    assert job is not None
    db.session.refresh(job)
    payload, attempts = dict(job.payload or {}), job.attempts
    try:
        kind.handler(payload)
        db.session.commit()
    except Later as later:
        db.session.rollback()
        _put_back(job_id, later.seconds, error=None, attempts_used=False)
        return JobState.QUEUED
    except Exception:
        db.session.rollback()
        error = traceback.format_exc(limit=8)[-4000:]
        log.exception("job %s (%s) failed, attempt %d", job_id, kind.name, attempts)
        if attempts >= kind.max_attempts:
            _finish(job_id, JobState.FAILED, error)
            return JobState.FAILED
        _put_back(job_id, min(MAX_DELAY_SECONDS, kind.base_delay * 4 ** (attempts - 1)), error=error)
        return JobState.QUEUED
    _finish(job_id, JobState.DONE, None)
    return JobState.DONE


def _finish(job_id: int, state: JobState, error: str | None) -> None:
    now = utcnow()
    db.session.execute(update(Job).where(Job.id == job_id).values(
        state=state, finished_at=now, updated_at=now, locked_until=None,
        **({"last_error": error} if error else {})))
    db.session.commit()


def _put_back(job_id: int, seconds: float, *, error: str | None, attempts_used: bool = True) -> None:
    now = utcnow()
    values: dict[str, Any] = {"state": JobState.QUEUED, "run_at": now + timedelta(seconds=seconds),
                              "locked_until": None, "updated_at": now}
    if error:
        values["last_error"] = error
    if not attempts_used:
        values["attempts"] = Job.attempts - 1
    db.session.execute(update(Job).where(Job.id == job_id).values(**values))
    db.session.info.setdefault(_PENDING, []).append((job_id, seconds))
    db.session.commit()


def sweep(limit: int = 1000) -> int:
    """Push again what was lost: queued jobs long overdue (their push never arrived) and running
    jobs past their lease (their worker died). Returns how many were pushed."""
    now = utcnow()
    stale = list(db.session.scalars(select(Job.id).where(
        Job.state == JobState.RUNNING, Job.locked_until < now).limit(limit)))
    if stale:
        db.session.execute(update(Job).where(Job.id.in_(stale), Job.state == JobState.RUNNING)
                           .values(state=JobState.QUEUED, run_at=now, locked_until=None, updated_at=now))
    overdue = list(db.session.scalars(select(Job.id).where(
        Job.state == JobState.QUEUED, Job.run_at <= now - timedelta(seconds=SWEEP_GRACE_SECONDS))
        .order_by(Job.run_at).limit(limit)))
    ids = list(dict.fromkeys([*stale, *overdue]))
    db.session.info.setdefault(_PENDING, []).extend((job_id, 0.0) for job_id in ids)
    db.session.commit()
    return len(ids)


def prune(keep_days: int, limit: int = 5000) -> int:
    """Forget finished jobs older than ``keep_days`` (failed ones stay until an admin acts)."""
    cutoff = utcnow() - timedelta(days=keep_days)
    ids = list(db.session.scalars(select(Job.id).where(Job.state == JobState.DONE, Job.finished_at < cutoff)
                                  .limit(limit)))
    if ids:
        db.session.execute(delete(Job).where(Job.id.in_(ids)))
    db.session.commit()
    return len(ids)


def retry(job_id: int) -> bool:
    """An admin's retry of a failed job: queued again now, with a fresh set of attempts."""
    now = utcnow()
    moved = db.session.execute(update(Job).where(Job.id == job_id, Job.state == JobState.FAILED).values(
        state=JobState.QUEUED, attempts=0, run_at=now, finished_at=None, updated_at=now))
    if moved.rowcount:  # type: ignore[attr-defined]
        db.session.info.setdefault(_PENDING, []).append((job_id, 0.0))
    db.session.commit()
    return bool(moved.rowcount)  # type: ignore[attr-defined]


def counts() -> dict[str, int]:
    """Jobs per state (one grouped query)."""
    rows = db.session.execute(select(Job.state, func.count()).group_by(Job.state)).all()
    return {str(JobState(state)): int(n) for state, n in rows if state in set(JobState)}
