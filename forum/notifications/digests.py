"""Summary mail (digests): what a member who has not come back missed, daily or weekly.

The ``notifications.digests`` job runs every hour (the queue's schedule). It walks the members
whose summary is due, :data:`BATCH` at a time by id (each batch a job of its own, queued by the
previous one, so a large community never holds one long transaction or one long job), and for
each one:

* due means: the member's frequency (:func:`.preferences.digest_frequency`) is daily or weekly,
  and their latest summary, their latest visit and their account's creation are all at least
  that long ago (less :data:`SLACK`, so an hourly schedule does not slip an hour a day). So a
  member who visits keeps getting nothing, and a new member gets nothing in their first period;
* the content: the most active topics the member may read with posts since their latest visit
  or summary (at most :data:`MAX_WINDOW` back), asked of discussions through
  :class:`~.interfaces.DigestSource` (read permission, muted and ignored are its rules), in
  the member's language and time zone, and how many optional notices they have not read.
  Topics only: notices about the member's own account and private conversations never appear;
* nothing new: no mail; ``last_digest_at`` moves anyway (nothing older can become new, and the
  member is not looked at again before the next period);
* otherwise ONE mail (outbox dedupe key ``digest:<user id>:<period>``: at most one per day or
  ISO week even if a job runs twice) with the one-click unsubscribe headers, and
  ``last_digest_at`` moves, in the same commit.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, literal, or_, select

from forum import jobs
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.mail import send_mail
from forum.mail.compose import brand, render_email
from forum.registry import lookup
from forum.urls import external_url, public_url

from . import preferences, unsubscribe
from .interfaces import DigestSource
from .kinds import registered_kinds
from .models import Notification
from .rendering import format_instant, reading_as
from .services import visible_to

log = logging.getLogger("forum.notifications")

DIGEST_JOB = "notifications.digests"
BATCH = 200
TOPICS = 8
SLACK = timedelta(minutes=30)
MAX_WINDOW = timedelta(days=31)
PERIODS = {preferences.DAILY: timedelta(days=1), preferences.WEEKLY: timedelta(days=7)}


def period_key(frequency: str, now: datetime) -> str:
    """The day ("2026-12-05") or ISO week ("2026-W49") a summary belongs to (UTC)."""
    if frequency == preferences.DAILY:
        return now.date().isoformat()
    year, week, _day = now.isocalendar()
    return f"{year}-W{week:02d}"


def _latest(value: Any, fallback: Any) -> Any:
    """SQL: the later of a nullable moment and a non-null one (portable GREATEST)."""
    return case((value.is_(None), fallback), (value > fallback, value), else_=fallback)


def due_members(now: datetime, after: int = 0, limit: int = BATCH) -> list[User]:
    """Members whose summary is due, by id after ``after`` (one query)."""
    default = preferences.digest_frequency(None)
    frequency = case((User.digest.in_(preferences.DIGEST_CHOICES), User.digest), else_=literal(default))
    anchor = _latest(User.last_digest_at, _latest(User.last_seen_at, User.created_at))
    due = or_(*(and_(frequency == name, anchor <= now - period + SLACK) for name, period in PERIODS.items()))
    return list(db.session.scalars(
        select(User).where(User.id > after, due, User.email_verified_at.is_not(None), User.membership == "open",
                           or_(User.suspended_until.is_(None), User.suspended_until <= now))
        .order_by(User.id).limit(limit)))


def run_digests(payload: dict[str, Any]) -> None:
    """The job: one batch of due members, then the next batch as a job of its own."""
    now = utcnow()
    after = int(payload.get("after") or 0)
    run = str(payload.get("run") or now.strftime("%Y%m%d%H%M"))
    members = due_members(now, after, BATCH)
    for member in members:
        try:
            send_digest(member, now)
        except Exception:  # one member's failure must not stop the others: they are tried next hour
            db.session.rollback()
            log.exception("summary mail for member %s failed", member.id)
    if len(members) == BATCH:
        last = members[-1].id
        jobs.enqueue(DIGEST_JOB, {"after": last, "run": run}, dedupe_key=f"digests:{run}:{last}")
        db.session.commit()


def _unread_optional(user: User) -> int:
    # Private conversations' notices never reach a summary, not even as a number.
    names = [kind.name for kind in registered_kinds() if preferences.is_optional(kind) and not kind.private]
    if not names:
        return 0
    return int(db.session.scalar(select(func.count()).select_from(Notification).where(
        visible_to(user), Notification.read_at.is_(None), Notification.kind.in_(names))) or 0)


def send_digest(user: User, now: datetime | None = None) -> bool:
    """Send ``user`` their summary if there is anything new (the caller picked a due member).
    Returns whether a mail was sent. Commits."""
    now = now or utcnow()
    frequency = preferences.digest_frequency(user)
    if frequency not in PERIODS:
        return False
    moments = [m for m in (user.last_digest_at, user.last_seen_at) if m is not None]
    since = max([*moments, now - MAX_WINDOW]) if moments else now - PERIODS[frequency]
    with reading_as(user):
        topics = lookup(DigestSource)(user, since, TOPICS)
        if not topics:
            user.last_digest_at = now
            db.session.commit()
            return False
        site = brand().name
        subject = _("%(site)s: what you missed", site=site)
        why = (_("You receive this summary because you have not visited %(site)s lately and your summary email "
                 "is daily.", site=site) if frequency == preferences.DAILY else
               _("You receive this summary because you have not visited %(site)s lately and your summary email "
                 "is weekly.", site=site))
        unsubscribe_link = unsubscribe.unsubscribe_url(user, unsubscribe.DIGEST)
        text, html = render_email(
            "digest", subject=subject, topics=[(topic, public_url(topic.path)) for topic in topics],
            since=format_instant(since.isoformat()), unread=_unread_optional(user),
            notifications_link=external_url("notifications.index"), why=why,
            preferences_link=external_url("notification_prefs.edit"), unsubscribe_link=unsubscribe_link)
    headers = {"Auto-Submitted": "auto-generated", **unsubscribe.mail_headers(user, unsubscribe.DIGEST)}
    send_mail(user.email, subject, text, html=html, headers=headers,
              dedupe_key=f"digest:{user.id}:{period_key(frequency, now)}")
    user.last_digest_at = now
    db.session.commit()
    return True
