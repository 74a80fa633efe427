"""The refresh jobs and the manager's "Refresh now" (queued, audited)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from forum import jobs
from forum.audit import record_action
from forum.db_types import utcnow
from forum.extensions import db

from .. import permissions
from .refresh import SETTLE_DAYS, recent_days, refresh_days

REFRESH_JOB = "insights.refresh"  # today and yesterday, every ten minutes
SETTLE_JOB = "insights.settle"    # the last SETTLE_DAYS days, nightly: late answers and decisions
RECENT_DAYS = 2


def refresh_recent(_payload: dict[str, Any] | None = None) -> None:
    refresh_days(recent_days(RECENT_DAYS))


def settle_recent(_payload: dict[str, Any] | None = None) -> None:
    refresh_days(recent_days(SETTLE_DAYS))


def queue_refresh(viewer: Any) -> None:
    """A manager asks for fresh figures now: one job per minute at most (a double click or two
    managers at once queue it once), and an audit entry."""
    permissions.require_view_insights(viewer)
    minute = utcnow().strftime("%Y%m%d%H%M")
    jobs.enqueue(REFRESH_JOB, {}, dedupe_key=f"{REFRESH_JOB}:{minute}")
    record_action(viewer, "insights.refresh", "insights", None)
    db.session.commit()


def refresh_under_way() -> bool:
    """A refresh job is queued or running (after "Refresh now", the page says so rather than "no
    figures"). One query, on the jobs' (name, state) index."""
    return bool(db.session.scalar(select(exists().where(
        jobs.Job.name == REFRESH_JOB, jobs.Job.state.in_((jobs.JobState.QUEUED, jobs.JobState.RUNNING))))))
