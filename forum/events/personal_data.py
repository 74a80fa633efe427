"""What events keeps about a member, for their data export and erasure (forum.privacy).

Erasure: a seat or a waitlist place the former member held at a meetup still to come is
given up (the next person on the waitlist gets the seat, as when a member answers "not
going"); past answers and the meetups they created stay, attributed to the former member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.db_types import utcnow
from forum.extensions import db

from .models import Event, EventHost, EventRsvp, RsvpStatus
from .services import rsvps


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Rsvps:
    name = "event_rsvps"
    description = _l("Your answers to meetups (going, interested, waitlisted…).")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.execute(select(EventRsvp, Event.title, Event.starts_at)
                                  .join(Event, Event.id == EventRsvp.event_id)
                                  .where(EventRsvp.user_id == user.id).order_by(EventRsvp.created_at))
        return [{"event_id": r.event_id, "event_title": title, "event_starts_at": iso(starts_at), "status": r.status,
                 "answered_at": iso(r.created_at), "updated_at": iso(r.updated_at)} for r, title, starts_at in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        upcoming = db.session.execute(
            select(EventRsvp, Event).join(Event, Event.id == EventRsvp.event_id)
            .where(EventRsvp.user_id == user.id, Event.starts_at > utcnow(),
                   EventRsvp.status.in_((RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.INTERESTED)))
            .order_by(Event.id)).all()
        for row, event in upcoming:
            old = row.status
            if not rsvps._change_status(row, old, {"status": RsvpStatus.NOT_GOING, "updated_at": utcnow(),
                                                   "changed_by_id": user.id, "waitlisted_at": None}):
                continue
            if old == RsvpStatus.GOING:
                rsvps._release_seat(event)
                rsvps._promotions(event, rsvps.promote(event))


class EventsCreated:
    name = "events_created"
    description = _l("Meetups you created or co-host.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        hosted = select(EventHost.event_id).where(EventHost.user_id == user.id)
        rows = db.session.scalars(select(Event).where((Event.created_by_id == user.id) | Event.id.in_(hosted))
                                  .order_by(Event.created_at))
        return [{"event_id": e.id, "title": e.title, "created": e.created_by_id == user.id, "state": e.state,
                 "starts_at": iso(e.starts_at), "ends_at": iso(e.ends_at), "venue": e.venue,
                 "created_at": iso(e.created_at), "description": e.description} for e in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """Kept: a meetup belongs to its attendees too (the former member shows as its creator)."""


SECTIONS = (Rsvps(), EventsCreated())
