"""Answering a meetup: RSVPs, seats, the waitlist, and the hosts' attendee tools.

Seats are a counter on the event row (``going_count``) changed only by conditional UPDATEs
(``... WHERE going_count < capacity``): PostgreSQL re-checks the condition after waiting for
a concurrent writer's row lock and SQLite serialises writers, so two members asking for the
last seat at the same moment never both get it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import CursorResult, and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum import csv_export, outbox
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db

from .. import permissions
from ..models import Event, EventRsvp, EventState, RsvpStatus
from . import notices
from .notices import notify_member

ANSWERS = (RsvpStatus.GOING, RsvpStatus.INTERESTED, RsvpStatus.NOT_GOING)
CSV_HEADER = ("username", "display_name", "status", "waitlist_position", "answered_at (UTC)",
              "checked_in_at (UTC)")


@dataclass
class RsvpOutcome:
    status: str | None
    changed: bool
    waitlist_position: int | None = None


def rsvp_block_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can answer "going" or "interested" right now, as a code, or None."""
    now = now or utcnow()
    checks = (  # the first that applies is the one people read
        (event.is_cancelled, "cancelled"),
        (event.is_rejected, "rejected"),
        (event.state != EventState.SCHEDULED, "pending"),
        (event.starts_at <= now, "started"),
        (event.rsvps_closed, "closed"),
        (event.rsvp_deadline is not None and event.rsvp_deadline <= now, "deadline"),
    )
    return next((code for blocked, code in checks if blocked), None)


RSVP_BLOCK_MESSAGES: dict[str, Callable[[], str]] = {
    "cancelled": lambda: _("This event is cancelled."),
    "pending": lambda: _("This event is waiting for approval."),
    "rejected": lambda: _("This event was not approved."),
    "started": lambda: _("This event has already started."),
    "closed": lambda: _("The hosts closed RSVPs for this event."),
    "deadline": lambda: _("The RSVP deadline has passed."),
}


# Why this member may not answer (codes from permissions.rsvp_denial).
MEMBER_DENIAL_MESSAGES: dict[str, Callable[[], str]] = {
    "unverified": lambda: _("Please confirm your email address first."),
    "unapproved": lambda: _("Your membership has not been approved, so you cannot answer events."),
    "silenced": lambda: _("Your account is read-only for now."),
}


def waitlist_position(event: Event, row: EventRsvp | None) -> int | None:
    if row is None or row.status != RsvpStatus.WAITLISTED or row.waitlisted_at is None:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(EventRsvp).where(
        EventRsvp.event_id == event.id, EventRsvp.status == RsvpStatus.WAITLISTED,
        or_(EventRsvp.waitlisted_at < row.waitlisted_at,
            and_(EventRsvp.waitlisted_at == row.waitlisted_at, EventRsvp.id < row.id)))) or 0
    return int(ahead) + 1


# --- answering ---------------------------------------------------------------------------------

class _Raced(Exception):
    """Our row changed between reading and writing it: start again."""


def rsvp(user: User, event: Event, status: str) -> RsvpOutcome:
    """Answer going / interested / not going. "Going" on a full event joins the waitlist."""
    if not user.is_authenticated:
        raise PermissionDenied()
    if not permissions.can_see_event(user, event):
        raise NotFound()
    denial = permissions.rsvp_denial(user)
    if denial:
        raise ValidationFailed(MEMBER_DENIAL_MESSAGES.get(denial, MEMBER_DENIAL_MESSAGES["silenced"])())
    if status not in set(ANSWERS):
        raise ValidationFailed(_("Choose going, interested or not going."))
    for _attempt in range(3):
        try:
            return _rsvp_once(user, event, RsvpStatus(status))
        except (_Raced, IntegrityError):
            db.session.rollback()
    raise ValidationFailed(_("Too many people are answering at once: please try again."))


def _rsvp_once(user: User, event: Event, status: RsvpStatus) -> RsvpOutcome:
    existing = db.session.scalar(select(EventRsvp).where(EventRsvp.event_id == event.id,
                                                         EventRsvp.user_id == user.id)
                                 .with_for_update().execution_options(populate_existing=True))
    old = existing.status if existing is not None else None
    if old == RsvpStatus.REMOVED:
        raise ValidationFailed(_("A host removed you from this event."))
    if old == status or (status == RsvpStatus.GOING and old == RsvpStatus.WAITLISTED):
        return RsvpOutcome(old, changed=False, waitlist_position=waitlist_position(event, existing))
    if status != RsvpStatus.NOT_GOING:
        reason = rsvp_block_reason(event)
        if reason:
            raise ValidationFailed(RSVP_BLOCK_MESSAGES[reason]())
    elif event.is_past:
        raise ValidationFailed(_("This event is over."))
    now = utcnow()
    new = status
    if status == RsvpStatus.GOING:
        new = RsvpStatus.GOING if _take_seat(event) else RsvpStatus.WAITLISTED
    fields: dict[str, Any] = {"status": new, "updated_at": now, "changed_by_id": user.id,
                              "waitlisted_at": now if new == RsvpStatus.WAITLISTED else None}
    if existing is None:
        existing = EventRsvp(event_id=event.id, user_id=user.id, created_at=now, **fields)
        db.session.add(existing)
        db.session.flush()  # a concurrent double-click hits the unique constraint: retried
    elif not _change_status(existing, old, fields):
        raise _Raced()
    promoted: list[EventRsvp] = []
    if old == RsvpStatus.GOING:
        _release_seat(event)
        promoted = promote(event)
    outbox.commit_and_fire([("forum_rsvp_changed", {"event": event, "rsvp": existing, "previous": old})] + [
        ("forum_rsvp_changed", {"event": event, "rsvp": row, "previous": RsvpStatus.WAITLISTED.value})
        for row in promoted])
    return RsvpOutcome(new, changed=True, waitlist_position=waitlist_position(event, existing))


# --- seats -------------------------------------------------------------------------------------

def _change_status(rsvp_row: EventRsvp, old: str | None, fields: dict[str, Any]) -> bool:
    """Conditional update: only if the row still has the status we read."""
    t = EventRsvp.__table__
    done = _affected(update(t).where(t.c.id == rsvp_row.id, t.c.status == old).values(**fields)) == 1
    db.session.expire(rsvp_row)
    return done


def _affected(statement: Any) -> int:
    """Run an UPDATE and return how many rows it changed (its condition decides)."""
    result: CursorResult[Any] = db.session.execute(statement)  # type: ignore[assignment]
    return int(result.rowcount)


def _refresh_seats(event: Event) -> None:
    db.session.expire(event, ["going_count", "capacity"])


def _take_seat(event: Event) -> bool:
    t = Event.__table__
    taken = _affected(
        update(t).where(t.c.id == event.id, or_(t.c.capacity.is_(None), t.c.going_count < t.c.capacity))
        .values(going_count=t.c.going_count + 1)) == 1
    _refresh_seats(event)
    return taken


def _release_seat(event: Event) -> None:
    t = Event.__table__
    db.session.execute(update(t).where(t.c.id == event.id, t.c.going_count > 0)
                       .values(going_count=t.c.going_count - 1))
    _refresh_seats(event)


def set_capacity(event: Event, capacity: int | None) -> outbox.Events:
    """A host's new capacity, in the caller's transaction; a higher one fills seats from the
    waitlist. Refused if more people went meanwhile than the new capacity allows. Returns the
    RSVP changes it made, recorded here (the caller commits, then fires them)."""
    t = Event.__table__
    stmt = update(t).where(t.c.id == event.id)
    if capacity is not None:
        stmt = stmt.where(t.c.going_count <= capacity)  # a seat may have gone since we looked
    if _affected(stmt.values(capacity=capacity)) != 1:
        db.session.rollback()
        raise ValidationFailed({"capacity": _("More people are going than this capacity: reload and try "
                                              "again.")})
    _refresh_seats(event)
    return _promotions(event, promote(event))


def _promotions(event: Event, promoted: list[EventRsvp]) -> outbox.Events:
    """Each member moved from the waitlist to a seat, as the forum_rsvp_changed events to
    record in the outbox and fire after the commit."""
    waited = RsvpStatus.WAITLISTED.value
    changes: outbox.Events = [("forum_rsvp_changed", {"event": event, "rsvp": row, "previous": waited})
                              for row in promoted]
    outbox.record_all(changes)
    return changes


def promote(event: Event) -> list[EventRsvp]:
    """Fill free seats from the waitlist, first come first served; tell each promoted member."""
    if event.state != EventState.SCHEDULED or event.starts_at <= utcnow():
        return []
    promoted: list[EventRsvp] = []
    tried: set[int] = set()
    while True:
        # SKIP LOCKED (PostgreSQL): a concurrent promoter takes the next person instead of waiting.
        candidate = db.session.scalar(
            select(EventRsvp)
            .where(EventRsvp.event_id == event.id, EventRsvp.status == RsvpStatus.WAITLISTED,
                   EventRsvp.id.not_in(tried) if tried else true())
            .order_by(EventRsvp.waitlisted_at, EventRsvp.id).limit(1).with_for_update(skip_locked=True))
        if candidate is None:
            break
        tried.add(candidate.id)
        if not permissions.can_take_seat(candidate.user):
            continue  # silenced (or worse): keeps their place in line, is not seated
        if not _take_seat(event):
            break
        if not _change_status(candidate, RsvpStatus.WAITLISTED,
                              {"status": RsvpStatus.GOING, "updated_at": utcnow(), "waitlisted_at": None}):
            _release_seat(event)
            continue
        promoted.append(candidate)
    for row in promoted:
        notify_member(row.user, event, notices.PROMOTED)
    return promoted


# --- hosts' attendee tools ---------------------------------------------------------------------

@dataclass
class Roster:
    going: list[EventRsvp]
    waitlist: list[EventRsvp]
    interested: list[EventRsvp]
    not_going: list[EventRsvp]
    removed: list[EventRsvp]


def roster(actor: Any, event: Event) -> Roster:
    """Everyone who answered, for the hosts' attendee page and the CSV export."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    rows = list(db.session.scalars(select(EventRsvp).options(joinedload(EventRsvp.user))
                                   .where(EventRsvp.event_id == event.id)
                                   .order_by(EventRsvp.waitlisted_at, EventRsvp.updated_at, EventRsvp.id)))

    def pick(status: RsvpStatus) -> list[EventRsvp]:
        return [r for r in rows if r.status == status]

    return Roster(pick(RsvpStatus.GOING), pick(RsvpStatus.WAITLISTED), pick(RsvpStatus.INTERESTED),
                  pick(RsvpStatus.NOT_GOING), pick(RsvpStatus.REMOVED))


def attendees_csv(actor: Any, event: Event) -> str:
    """The hosts' export: names people chose are text a spreadsheet could run, so every cell
    goes through :mod:`forum.csv_export`'s formula guard."""
    people = roster(actor, event)
    rows: list[tuple[Any, ...]] = []
    for status_rows in (people.going, people.waitlist, people.interested):
        for position, r in enumerate(status_rows, start=1):
            rows.append((r.user.username, r.user.display_name, r.status,
                         position if r.status == RsvpStatus.WAITLISTED else "",
                         r.updated_at.strftime("%Y-%m-%d %H:%M"),
                         r.checked_in_at.strftime("%Y-%m-%d %H:%M") if r.checked_in_at else ""))
    return csv_export.render(CSV_HEADER, rows)


def remove_attendee(actor: User, event: Event, user_id: int) -> None:
    """A host takes someone off the list (kept as "removed": they cannot answer again)."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    row = db.session.scalar(select(EventRsvp).options(joinedload(EventRsvp.user))
                            .where(EventRsvp.event_id == event.id, EventRsvp.user_id == user_id))
    if row is None or row.status == RsvpStatus.REMOVED:
        raise NotFound()
    old = row.status
    if not _change_status(row, old, {"status": RsvpStatus.REMOVED, "updated_at": utcnow(),
                                     "changed_by_id": actor.id, "waitlisted_at": None}):
        db.session.rollback()
        raise ValidationFailed(_("This answer just changed: please try again."))
    changes: outbox.Events = [("forum_rsvp_changed", {"event": event, "rsvp": row, "previous": old})]
    if old == RsvpStatus.GOING:
        _release_seat(event)
        changes += [("forum_rsvp_changed", {"event": event, "rsvp": promoted, "previous": RsvpStatus.WAITLISTED.value})
                    for promoted in promote(event)]
    notify_member(row.user, event, notices.REMOVED)
    outbox.commit_and_fire(changes)


def set_checked_in(actor: User, event: Event, user_id: int, checked: bool) -> None:
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    row = db.session.scalar(select(EventRsvp).where(EventRsvp.event_id == event.id,
                                                    EventRsvp.user_id == user_id))
    if row is None or row.status == RsvpStatus.REMOVED:
        raise NotFound()
    row.checked_in_at = utcnow() if checked else None
    db.session.commit()
