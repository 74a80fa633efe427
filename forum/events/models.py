"""Events, their hosts, RSVPs and the secret calendar-feed keys of members."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.discussions.models import Category, Topic
from forum.extensions import db


class Visibility(StrEnum):
    """Who may see an event at all."""

    PUBLIC = "public"
    MEMBERS = "members"
    STAFF = "staff"


class AttendeeVisibility(StrEnum):
    """Who may see the list of people going."""

    PUBLIC = "public"
    MEMBERS = "members"
    HOSTS = "hosts"


class EventState(StrEnum):
    SCHEDULED = "scheduled"
    PENDING = "pending"      # held for review: visible to its creator and moderators
    REJECTED = "rejected"    # refused by a reviewer: kept, visible to its creator (who may edit and resubmit)
    CANCELLED = "cancelled"  # stays listed (and in feeds, with STATUS:CANCELLED)


# Not published: only the creator and moderators see these.
UNPUBLISHED_STATES = (EventState.PENDING, EventState.REJECTED)


class RsvpStatus(StrEnum):
    GOING = "going"
    WAITLISTED = "waitlisted"
    INTERESTED = "interested"
    NOT_GOING = "not_going"
    REMOVED = "removed"  # a host took the member off the list; they cannot RSVP again


class HostState(StrEnum):
    """A co-host is invited first and becomes a host only by accepting: nobody is made to
    host (and to have the event in their calendar) without their consent."""

    INVITED = "invited"
    ACCEPTED = "accepted"
    DECLINED = "declined"  # kept so the owner sees the answer and re-saving does not re-invite


class Event(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable iCalendar UID, fixed at creation so calendars never duplicate the event.
    uid: Mapped[str] = mapped_column(String(255), default="")
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    description_html: Mapped[str] = mapped_column(Text, default="")
    cook_version: Mapped[int] = mapped_column(default=1)
    # Instants in UTC plus the IANA zone the host planned in; all-day events keep their dates
    # (a "floating" day is the same day everywhere) and starts_at/ends_at span those days in
    # the event's zone, for sorting and range queries.
    timezone: Mapped[str] = mapped_column(String(64))
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    start_date: Mapped[date | None] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)  # inclusive
    venue: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(500), default="")
    map_url: Mapped[str] = mapped_column(String(1000), default="")
    online_url: Mapped[str] = mapped_column(String(1000), default="")
    cover_url: Mapped[str] = mapped_column(String(1000), default="")
    capacity: Mapped[int | None] = mapped_column()  # None: unlimited
    # Seats taken; changed only by conditional UPDATEs so two people never get the last seat.
    going_count: Mapped[int] = mapped_column(default=0)
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rsvps_closed: Mapped[bool] = mapped_column(Boolean, default=False)
    visibility: Mapped[str] = mapped_column(String(16), default=Visibility.PUBLIC)
    attendee_visibility: Mapped[str] = mapped_column(String(16), default=AttendeeVisibility.MEMBERS)
    online_link_to_waitlist: Mapped[bool] = mapped_column(Boolean, default=False)
    state: Mapped[str] = mapped_column(String(16), default=EventState.SCHEDULED)
    # iCalendar SEQUENCE: bumped on every change of time, place or status.
    sequence: Mapped[int] = mapped_column(default=0)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    moderation_reason: Mapped[str | None] = mapped_column(Text)

    category: Mapped[Category] = relationship()
    topic: Mapped[Topic | None] = relationship()
    creator: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    hosts: Mapped[list[EventHost]] = relationship(back_populates="event", cascade="all, delete-orphan",
                                                  order_by="EventHost.id")

    __table_args__ = (
        Index("ix_events_start", "state", "starts_at"),
        Index("ix_events_end", "ends_at"),
        Index("ix_events_category", "category_id", "starts_at"),
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_start(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_end(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_cancelled(self) -> bool:
        return self.state == EventState.CANCELLED

    @property
    def is_pending(self) -> bool:
        return self.state == EventState.PENDING

    @property
    def is_rejected(self) -> bool:
        return self.state == EventState.REJECTED

    @property
    def is_past(self) -> bool:
        return self.ends_at <= utcnow()

    @property
    def seats_left(self) -> int | None:
        return None if self.capacity is None else max(0, self.capacity - self.going_count)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.going_count >= self.capacity

    @property
    def cohosts(self) -> list[EventHost]:
        """The co-hosts who accepted: the only ones shown and treated as hosts."""
        return [h for h in self.hosts if h.state == HostState.ACCEPTED]

    @property
    def host_ids(self) -> set[int]:
        ids = {h.user_id for h in self.cohosts}
        if self.created_by_id:
            ids.add(self.created_by_id)
        return ids

    def invitation(self, user_id: int | None) -> EventHost | None:
        """``user_id``'s co-host row (invited, accepted or declined), if any."""
        return next((h for h in self.hosts if h.user_id == user_id), None) if user_id else None


class EventHost(db.Model):  # type: ignore[name-defined,misc]
    """A co-host invitation and its answer (the creator is a host without a row here). Only
    an ACCEPTED row makes its member a host."""

    __tablename__ = "event_hosts"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The database default is the least privilege, so a row written without a state is an
    # invitation, never a host.
    state: Mapped[str] = mapped_column(String(16), default=HostState.INVITED, server_default=HostState.INVITED.value)
    # When this round of the invitation was sent: part of its notice's dedupe key, so a
    # re-invitation after a decline is announced once, and an edit that keeps it never is.
    invited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship(back_populates="hosts")
    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("event_id", "user_id"), Index("ix_event_hosts_user", "user_id"))


class EventRsvp(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "event_rsvps"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Waitlist order: who asked first is promoted first (ties broken by id).
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        Index("ix_event_rsvps_status", "event_id", "status", "waitlisted_at", "id"),
        Index("ix_event_rsvps_user", "user_id", "status"),
    )


class EventFeedKey(db.Model):  # type: ignore[name-defined,misc]
    """The secret behind a member's personal calendar URL. The URL carries an HMAC of this
    nonce, so the database alone does not reveal working URLs; a new nonce revokes the old URL."""

    __tablename__ = "event_feed_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
