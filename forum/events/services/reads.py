"""Reading meetups: who sees what, the upcoming and past lists, the month grid, one event's page.

Lists are keyset-paginated with :mod:`forum.pagination` on ``(starts_at, id)``; a cursor we
did not make raises :class:`~forum.pagination.InvalidCursor` (400).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, exists, func, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from forum import pagination
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Topic
from forum.errors import NotFound
from forum.extensions import db

from .. import permissions
from ..models import UNPUBLISHED_STATES, Event, EventHost, EventRsvp, EventState, HostState, RsvpStatus, Visibility
from .rsvps import rsvp_block_reason, waitlist_position
from .times import local_to_utc

UPCOMING_PAGE = 50
PAST_PAGE = 30


def visible_to(viewer: Any) -> Any:
    """SQL condition mirroring permissions.can_see_event."""
    if viewer.is_authenticated and viewer.is_moderator:
        return true()
    allowed = [Visibility.PUBLIC]
    if viewer.is_authenticated:
        allowed.append(Visibility.MEMBERS)
    if viewer.is_staff:
        allowed.append(Visibility.STAFF)
    readable = discussion_permissions.readable_category_ids(viewer)
    cond = and_(Event.state.not_in(UNPUBLISHED_STATES), Event.visibility.in_(allowed), Event.category_id.in_(readable))
    if not viewer.is_authenticated:
        return cond
    # Accepted co-hosts and open invitees, as in can_see_event (a declined invitee is nobody).
    hosted = exists().where(EventHost.event_id == Event.id, EventHost.user_id == viewer.id,
                            EventHost.state.in_((HostState.INVITED, HostState.ACCEPTED)))
    return or_(cond, and_(Event.state.not_in(UNPUBLISHED_STATES), hosted), Event.created_by_id == viewer.id)


def listing(viewer: Any) -> Select[Any]:
    """Events ``viewer`` may see, with their category (for lists, grids and feeds). A refused
    meetup is listed for its creator only (to edit and resubmit): moderators decided it already."""
    query = select(Event).options(joinedload(Event.category)).where(visible_to(viewer))
    if viewer.is_authenticated:
        return query.where(or_(Event.state != EventState.REJECTED, Event.created_by_id == viewer.id))
    return query


def get_event(viewer: Any, event_id: int) -> Event:
    event = db.session.scalar(select(Event).options(
        joinedload(Event.category), joinedload(Event.creator), selectinload(Event.hosts).joinedload(
            EventHost.user)).where(Event.id == event_id))
    if event is None or not permissions.can_see_event(viewer, event):
        raise NotFound()
    return event


def event_for_topic(viewer: Any, topic_id: int) -> Event | None:
    """The event whose discussion ``topic_id`` is, if the viewer may see it (one query)."""
    event = db.session.scalar(select(Event).options(joinedload(Event.category))
                              .where(Event.topic_id == topic_id))
    if event is None or not permissions.can_see_event(viewer, event):
        return None
    return event


# --- lists -------------------------------------------------------------------------------------

def encode_cursor(event: Event) -> str:
    """The position of the last event shown, on the lists' order (start, id)."""
    return pagination.encode_cursor(event.starts_at, event.id)


def list_upcoming(viewer: Any, *, after: str | None = None, limit: int = UPCOMING_PAGE,
                  now: datetime | None = None) -> tuple[list[Event], str | None]:
    """Soonest first, keyset-paginated: (events, cursor of the next page or None)."""
    now = now or utcnow()
    query = listing(viewer).where(Event.ends_at > now)
    position = pagination.decode_cursor(after)
    if position is not None:
        query = query.where(pagination.after(Event.starts_at, Event.id, position, descending=False))
    rows = list(db.session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit + 1)).unique())
    page = pagination.page_of(rows, limit, encode_cursor)
    return page.items, page.next_cursor


def list_past(viewer: Any, *, before: str | None = None, per_page: int = PAST_PAGE,
              now: datetime | None = None) -> tuple[list[Event], str | None]:
    """Most recent first, keyset-paginated like the upcoming list."""
    now = now or utcnow()
    query = listing(viewer).where(Event.ends_at <= now)
    position = pagination.decode_cursor(before)
    if position is not None:
        query = query.where(pagination.after(Event.starts_at, Event.id, position, descending=True))
    rows = list(db.session.scalars(query.order_by(Event.starts_at.desc(), Event.id.desc())
                                   .limit(per_page + 1)).unique())
    page = pagination.page_of(rows, per_page, encode_cursor)
    return page.items, page.next_cursor


# --- the month grid ----------------------------------------------------------------------------

@dataclass
class Day:
    day: date
    in_month: bool
    is_today: bool
    events: list[Event]


@dataclass
class MonthGrid:
    year: int
    month: int
    weeks: list[list[Day]]
    weekday_order: list[int]
    previous: tuple[int, int]
    next: tuple[int, int]


def month_grid(viewer: Any, year: int, month: int, zone: ZoneInfo, *, first_weekday: int = 0) -> MonthGrid:
    """A month as weeks of days with the events on each day (in the viewer's zone; all-day
    events on their own dates). Multi-day events appear on every day they cover."""
    first = date(year, month, 1)
    next_first = date(year + month // 12, month % 12 + 1, 1)
    start = first - timedelta(days=(first.weekday() - first_weekday) % 7)
    last = next_first - timedelta(days=1)
    end = last + timedelta(days=(first_weekday - 1 - last.weekday()) % 7)
    lo = local_to_utc(start, time(0), zone, strict=False)
    hi = local_to_utc(end + timedelta(days=1), time(0), zone, strict=False)
    events = list(db.session.scalars(listing(viewer).where(Event.starts_at < hi + timedelta(days=1),
                                                           Event.ends_at > lo - timedelta(days=1))
                                     .order_by(Event.starts_at, Event.id)).unique())
    by_day: dict[date, list[Event]] = {}
    for event in events:
        if event.all_day and event.start_date and event.end_date:
            d0, d1 = event.start_date, event.end_date
        else:
            d0 = event.starts_at.astimezone(zone).date()
            d1 = (event.ends_at - timedelta(microseconds=1)).astimezone(zone).date()
        day = max(d0, start)
        while day <= min(d1, end):
            by_day.setdefault(day, []).append(event)
            day += timedelta(days=1)
    today = utcnow().astimezone(zone).date()
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    weeks = [[Day(d, d.month == month, d == today, by_day.get(d, [])) for d in days[i:i + 7]]
             for i in range(0, len(days), 7)]
    prev_month = (year - 1, 12) if month == 1 else (year, month - 1)
    return MonthGrid(year, month, weeks, [(first_weekday + i) % 7 for i in range(7)], prev_month,
                     (next_first.year, next_first.month))


# --- one event ---------------------------------------------------------------------------------

@dataclass
class EventPage:
    event: Event
    my_status: str | None
    waitlist_position: int | None
    counts: dict[str, int]
    attendees: list[User] | None  # None: not visible to this viewer
    topic: Topic | None
    can_manage: bool
    can_see_online_link: bool
    rsvp_block: str | None
    invitation: str | None = None  # the viewer's co-host invitation: invited / accepted / declined
    can_accept_cohost: bool = False
    can_decline_cohost: bool = False


def event_page(viewer: Any, event: Event) -> EventPage:
    mine = None
    if viewer.is_authenticated:
        mine = db.session.scalar(select(EventRsvp).where(EventRsvp.event_id == event.id,
                                                         EventRsvp.user_id == viewer.id))
    counts = dict(db.session.execute(select(EventRsvp.status, func.count()).where(
        EventRsvp.event_id == event.id).group_by(EventRsvp.status)).all())
    attendees = None
    if permissions.can_see_attendees(viewer, event):
        attendees = list(db.session.scalars(
            select(User).join(EventRsvp, EventRsvp.user_id == User.id)
            .where(EventRsvp.event_id == event.id, EventRsvp.status == RsvpStatus.GOING)
            .order_by(EventRsvp.updated_at, EventRsvp.id).limit(500)))
    topic = None
    if event.topic_id:
        topic = db.session.scalar(select(Topic).options(joinedload(Topic.category)).where(
            Topic.id == event.topic_id))
        if topic is not None and not discussion_permissions.can_see_topic(viewer, topic):
            topic = None
    status = mine.status if mine else None
    return EventPage(event=event, my_status=status, waitlist_position=waitlist_position(event, mine),
                     counts=counts, attendees=attendees, topic=topic,
                     can_manage=permissions.can_manage_event(viewer, event),
                     can_see_online_link=permissions.can_see_online_link(viewer, event, status),
                     rsvp_block=rsvp_block_reason(event),
                     invitation=permissions.invitation_state(viewer, event),
                     can_accept_cohost=permissions.can_accept_cohost(viewer, event),
                     can_decline_cohost=permissions.can_decline_cohost(viewer, event))
