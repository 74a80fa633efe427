"""Background jobs: durable rows (``jobs``) moved to workers by Huey.

Domains register their jobs (:func:`register_job`) and schedules (:func:`register_periodic`)
from their ``init_app`` and queue work with :func:`enqueue` inside their transaction. See
:mod:`forum.jobs.queue` for the policy (durability, dedupe, retries, the sweeper) and
:mod:`forum.jobs.transport` for the transport and the workers.
"""

from __future__ import annotations

from flask import Flask, Response, current_app

from .models import Job, JobState
from .queue import JobType, Later, counts, enqueue, enqueue_many, prune, register_job, retry, run, run_pending, sweep
from .queue import inline_holder as _inline_holder
from .transport import HueyTransport, PeriodicJob, register_periodic, start_in_process

__all__ = ["Job", "JobState", "JobType", "Later", "PeriodicJob", "counts", "enqueue", "enqueue_many", "init_app",
           "prune", "register_job", "register_periodic", "retry", "run", "run_pending", "start", "start_in_process",
           "sweep", "transport"]

_TRANSPORT = "forum.jobs.transport"


def init_app(app: Flask) -> None:
    """Before the domains: they register their jobs into it."""
    register_job(app, JobType("jobs.sweep", lambda _payload: _sweep(), max_attempts=1))
    if app.config.get("JOBS_MODE") == "inline":
        _inline_holder(app)  # made with the app (tests reuse apps whose extensions did not change)

        @app.after_request
        def _run_queued_jobs(response: Response) -> Response:
            # As in production, the request's jobs run after its own work, not inside it.
            if response.status_code < 500:
                run_pending(request_only=True)
            return response


def _sweep() -> None:
    sweep()
    prune(int(current_app.config.get("JOBS_KEEP_DAYS") or 7))


def start(app: Flask, previous: Flask | None = None) -> None:
    """After the domains registered their jobs: the transport (kept across a rebuild of the app)."""
    if app.config.get("JOBS_MODE") == "inline":
        return
    kept = previous.extensions.get(_TRANSPORT) if previous is not None else None
    if kept is not None:
        kept.app = app
        app.extensions[_TRANSPORT] = kept
    else:
        app.extensions[_TRANSPORT] = HueyTransport(app)


def transport(app: Flask) -> HueyTransport | None:
    return app.extensions.get(_TRANSPORT)  # type: ignore[no-any-return]
