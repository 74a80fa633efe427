"""Moving job ids to workers: Huey, on a SQLite file (the embedded default) or on Redis.

``FORUM_QUEUE_URL`` unset: ``instance/queue.db`` (SQLite; the workers of one machine share
it). ``redis://…``: Redis, for several machines. Only job ids travel; the jobs themselves are
rows (:mod:`forum.jobs.models`), so losing the transport loses nothing the sweeper cannot push
again.

Workers: ``flask --app wsgi forum worker`` (production), or a consumer thread inside the web
process (``JOBS_WORKER = "in-process"``, the default, so ``flask run`` delivers everything on
its own). Periodic work (the sweeper, digests, reminders) is scheduled by the consumer: each
period queues a job with a key naming the period, so two consumers never do it twice.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from huey.consumer import Consumer

from forum.extensions import db
from forum.urls import public_base

from .queue import enqueue, run

log = logging.getLogger(__name__)

_PERIODIC = "forum.jobs.periodic"


@dataclass(frozen=True)
class PeriodicJob:
    """A job queued by the consumer on a schedule: ``when`` is huey.crontab's keywords
    (``{"minute": "*/5"}``); ``name`` is a registered job's name."""

    name: str
    when: dict[str, str] = field(default_factory=dict)


def register_periodic(app: Flask, periodic: PeriodicJob) -> None:
    """Called from a domain's ``init_app`` (the job itself is registered with register_job)."""
    app.extensions.setdefault(_PERIODIC, []).append(periodic)


class HueyTransport:
    def __init__(self, app: Flask) -> None:
        self.app = app  # the current app: a rebuilt app (forum.live_settings) takes it over
        url = str(app.config.get("QUEUE_URL") or "")
        name = str(app.config.get("QUEUE_NAME") or "circolo")  # several forums may share one Redis
        if url.startswith(("redis://", "rediss://", "unix://")):
            self.huey: Any = RedisHuey(name, url=url, results=False)
            self.where = "Redis"
        else:
            path = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else str(
                Path(app.instance_path) / "queue.db")
            self.huey = SqliteHuey(name, filename=path, results=False)
            self.where = path
        self._run_task = self.huey.task(name="circolo.run_job")(self._run)
        for periodic in app.extensions.get(_PERIODIC, []):
            self._schedule(periodic)
        self._schedule(PeriodicJob("jobs.sweep", {"minute": "*"}))

    def push(self, job_id: int, delay: float = 0) -> None:
        if delay > 0:
            self._run_task.schedule(args=(job_id,), delay=delay)
        else:
            self._run_task(job_id)

    def _run(self, job_id: int) -> None:
        # A request context at the public address, so handlers can build paths (url_for) as
        # the CLI does; absolute links still come only from forum.urls.
        with self.app.test_request_context("/", base_url=public_base(self.app)):
            run(job_id)

    def _schedule(self, periodic: PeriodicJob) -> None:
        def queue_it() -> None:
            with self.app.app_context():
                stamp = datetime.now().strftime("%Y%m%d%H%M")
                enqueue(periodic.name, {}, dedupe_key=f"periodic:{periodic.name}:{stamp}")
                db.session.commit()

        self.huey.periodic_task(crontab(**periodic.when), name=f"circolo.periodic.{periodic.name}")(queue_it)

    def consumer(self, workers: int) -> Consumer:
        return self.huey.create_consumer(workers=workers, worker_type="thread", periodic=True,
                                         initial_delay=0.05, max_delay=1.0)


class _ThreadConsumer(Consumer):  # type: ignore[misc]
    """A consumer inside the web process: its threads, but no signal handlers (those belong to
    the server's main thread)."""

    def _set_signal_handlers(self) -> None:
        return None


_started: dict[str, Any] = {}
_start_lock = threading.Lock()


def start_in_process(transport: HueyTransport, workers: int = 2) -> Any:
    """Start one consumer per process (gunicorn's workers each run one; they share the queue).
    Cheap to call at every request: after the first, a dictionary lookup."""
    if _started.get("pid") == os.getpid():
        return _started["consumer"]
    with _start_lock:
        if _started.get("pid") != os.getpid():  # first here, or a forked child of a process that had one
            consumer = _ThreadConsumer(transport.huey, workers=workers, worker_type="thread", periodic=True,
                                       initial_delay=0.05, max_delay=1.0)
            consumer.start()
            _started.update(consumer=consumer, pid=os.getpid())
            log.info("jobs: %d worker thread(s) in this process, queue at %s", workers, transport.where)
        return _started["consumer"]

