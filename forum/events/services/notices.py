"""Telling members about meetups: events' notification kinds (registered from events'
``init_app``), rendered when read in the reader's language, and reminders.

A notice stores the event's title and start (an ISO time plus the event's own zone): the time
is shown in the event's zone, named, whoever reads it and whenever they switch language.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.dates import absolute
from forum.db_types import utcnow
from forum.extensions import db
from forum.notifications import NotificationKind, notify
from forum.notifications.kinds import Params
from forum.settings import get_setting

from ..models import Event, EventRsvp, EventState, RsvpStatus

# People who hear about changes, cancellations (and, going/interested, reminders).
FOLLOWERS = (RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.INTERESTED)


def event_path(event: Event) -> str:
    return url_for("events.show", event_id=event.id, slug=event.slug or "-")


def event_params(event: Event) -> dict[str, Any]:
    """What every event notice stores: the title and when, in the event's own zone."""
    params: dict[str, Any] = {"title": event.title, "start": event.starts_at.astimezone(UTC).isoformat(),
                              "zone": event.timezone}
    if event.all_day and event.start_date:
        params["day"] = event.start_date.isoformat()  # a floating day: the same date everywhere
    return params


def when_text(p: Params) -> str:
    """The event's date and time in the site's one format (:func:`forum.dates.absolute`), in
    its own zone, named, so the text is right for everyone (in the reader's language); a
    floating all-day event's date is the same everywhere."""
    if p.get("day"):
        return absolute(datetime.combine(date.fromisoformat(p["day"]), time(), tzinfo=UTC), "date", zone=UTC)
    return f"{absolute(datetime.fromisoformat(p['start']), zone=ZoneInfo(p['zone']))} {p['zone']}"


def _title(p: Params) -> str:
    return str(p["title"])


def _event_subject(p: Params) -> str:
    return _("Event: %(title)s", title=_title(p))


def _cohost_invited(p: Params) -> str:
    if not p.get("name"):  # the inviter's account is gone
        return _("You are invited to co-host “%(title)s” (%(when)s). Accept or decline on the event page.",
                 title=_title(p), when=when_text(p))
    return _("%(name)s invited you to co-host “%(title)s” (%(when)s). Accept or decline on the event page.",
             name=p["name"], title=_title(p), when=when_text(p))


def _cohost_answered(p: Params) -> str:
    if p["accepted"]:
        return _("%(name)s accepted to co-host “%(title)s”.", name=p["name"], title=_title(p))
    return _("%(name)s will not co-host “%(title)s”.", name=p["name"], title=_title(p))


PROMOTED = NotificationKind("event_promoted", lambda p: _(
    "A seat opened up: you are now going to %(title)s (%(when)s).", title=_title(p), when=when_text(p)),
    _event_subject)
REMOVED = NotificationKind("event_removed", lambda p: _(
    "A host removed you from the attendees of %(title)s.", title=_title(p)), _event_subject)
REMINDER = NotificationKind("event_reminder", lambda p: _(
    "Reminder: %(title)s starts %(when)s.", title=_title(p), when=when_text(p)),
    lambda p: _("Reminder: %(title)s", title=_title(p)))
CHANGED = NotificationKind("event_changed", lambda p: _(
    "%(title)s has changed: it is now %(when)s.", title=_title(p), when=when_text(p)), _event_subject)
CANCELLED = NotificationKind("event_cancelled", lambda p: _(
    "%(title)s (%(when)s) is cancelled.", title=_title(p), when=when_text(p)), _event_subject)
APPROVED = NotificationKind("event_approved", lambda p: _(
    "Your meetup “%(title)s” was approved.", title=_title(p)), _event_subject)
REJECTED = NotificationKind("event_rejected", lambda p: _(
    "Your meetup “%(title)s” was not approved: %(reason)s You can edit it and submit it again.",
    title=_title(p), reason=p["reason"]), _event_subject)
COHOST_INVITED = NotificationKind("event_cohost_invited", _cohost_invited,
                                  lambda p: _("Co-host invitation: %(title)s", title=_title(p)))
# In-app only: an answer needs no mail of its own.
COHOST_ANSWERED = NotificationKind("event_cohost_answered", _cohost_answered)

KINDS = (PROMOTED, REMOVED, REMINDER, CHANGED, CANCELLED, APPROVED, REJECTED, COHOST_INVITED, COHOST_ANSWERED)


def notify_member(user: User, event: Event, kind: NotificationKind, params: dict[str, Any] | None = None, *,
                  key: str | None = None) -> bool:
    """Stage one notice about ``event`` (the caller commits); False if ``key`` was used already."""
    return notify(user, kind, {**event_params(event), **(params or {})}, url=event_path(event), dedupe_key=key)


def notify_followers(event: Event, kind: NotificationKind, *, exclude: int | None, key: str) -> int:
    rows = db.session.scalars(select(EventRsvp).options(joinedload(EventRsvp.user))
                              .where(EventRsvp.event_id == event.id, EventRsvp.status.in_(FOLLOWERS)))
    return sum(notify_member(r.user, event, kind, key=key) for r in rows if r.user_id != exclude)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind going and interested members of events starting within the lead time (admin
    setting ``events_reminder_hours``). Idempotent: one reminder per member per start time,
    so cron may run it as often as it likes and a moved event is reminded again."""
    now = now or utcnow()
    lead = timedelta(hours=int(get_setting("events_reminder_hours") or 24))
    events = list(db.session.scalars(select(Event).where(
        Event.state == EventState.SCHEDULED, Event.starts_at > now, Event.starts_at <= now + lead)
        .order_by(Event.starts_at)))
    sent = 0
    for event in events:
        key = f"event-reminder:{event.id}:{int(event.starts_at.timestamp())}"
        rows = db.session.scalars(select(EventRsvp).options(joinedload(EventRsvp.user)).where(
            EventRsvp.event_id == event.id, EventRsvp.status.in_((RsvpStatus.GOING, RsvpStatus.INTERESTED))))
        count = sum(notify_member(r.user, event, REMINDER, key=key) for r in rows)
        try:
            db.session.commit()
        except IntegrityError:  # another run got there first: its reminders stand
            db.session.rollback()
            continue
        sent += count
    return sent
