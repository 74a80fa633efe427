"""Telling members about meetups: notifications in the recipient's language, and reminders.

Messages are passed to :func:`forum.notifications.services.notify` as zero-argument callables,
so each is translated in the recipient's language, not the actor's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from babel.dates import format_date, format_time
from flask import current_app, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.notifications.services import notify
from forum.settings import get_setting

from ..models import Event, EventRsvp, EventState, RsvpStatus

# People who hear about changes, cancellations (and, going/interested, reminders).
FOLLOWERS = (RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.INTERESTED)

# Called with no arguments, inside the recipient's locale (lambdas may bind the event as a default).
Message = Callable[..., str]


def event_path(event: Event) -> str:
    return url_for("events.show", event_id=event.id, slug=event.slug or "-")


def when_text(event: Event, locale: str | None = None) -> str:
    """The event's date and time in its own zone, named, so the text is right for everyone."""
    loc = locale or str(get_locale() or current_app.config["DEFAULT_LOCALE"])
    if event.all_day and event.start_date:
        return format_date(event.start_date, "full", locale=loc)
    start = event.local_start
    return (f"{format_date(start, 'full', locale=loc)} "
            f"{format_time(start, 'short', tzinfo=event.zone, locale=loc)} {event.timezone}")


def notify_member(user: User, event: Event, kind: str, message: Message, *, key: str | None = None,
                  subject: Message | None = None) -> bool:
    """Stage one notice about ``event`` (the caller commits); False if ``key`` was used already."""
    title = event.title
    return notify(user, kind, message, url=event_path(event),
                  email_subject=subject or (lambda: _("Event: %(title)s", title=title)), dedupe_key=key)


def notify_followers(event: Event, kind: str, *, exclude: int | None, key: str, message: Message) -> int:
    rows = db.session.scalars(select(EventRsvp).options(joinedload(EventRsvp.user))
                              .where(EventRsvp.event_id == event.id, EventRsvp.status.in_(FOLLOWERS)))
    return sum(notify_member(r.user, event, kind, message, key=key) for r in rows if r.user_id != exclude)


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
        count = sum(notify_member(r.user, event, "event_reminder", lambda e=event: _(
            "Reminder: %(title)s starts %(when)s.", title=e.title, when=when_text(e)), key=key,
            subject=lambda e=event: _("Reminder: %(title)s", title=e.title)) for r in rows)
        try:
            db.session.commit()
        except IntegrityError:  # another run got there first: its reminders stand
            db.session.rollback()
            continue
        sent += count
    return sent
