"""Event rules: creating and editing events, RSVPs with capacity and waitlist, reminders.

Every write goes: permission -> validation -> plugin filters -> write -> commit -> notify.
Seats are a counter on the event row (``going_count``) changed only by conditional UPDATEs
(``... WHERE going_count < capacity``): PostgreSQL re-checks the condition after waiting for
a concurrent writer's row lock and SQLite serialises writers, so two members asking for the
last seat at the same moment never both get it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app, has_request_context, request, url_for
from flask_babel import gettext as _
from sqlalchemy import CursorResult, Select, and_, exists, func, or_, select, true, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from forum import markup
from forum.accounts.models import User
from forum.accounts.permissions import posting_block_reason
from forum.accounts.services import canonical_username, resolve_usernames
from forum.db_types import utcnow
from forum.discussions import permissions as discussion_permissions
from forum.discussions import services as discussions
from forum.discussions.models import Category, Topic
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n import known_timezones
from forum.accounts.interfaces import JudgedKind, Judgement, JudgementRecorder
from forum.plugins import Draft, FilterContext, Verdict, VerdictKind
from forum.registry import lookup
from forum.plugins.manager import fire, run_filters
from forum.text import slugify, strip_invisible

from . import permissions
from .models import UNPUBLISHED_STATES, AttendeeVisibility, Event, EventFeedKey, EventHost, EventRsvp, EventState, RsvpStatus, Visibility

MAX_COHOSTS = 10
MAX_DESCRIPTION = 20_000
ANSWERS = (RsvpStatus.GOING, RsvpStatus.INTERESTED, RsvpStatus.NOT_GOING)
# People who hear about changes, cancellations (and, going/interested, reminders).
FOLLOWERS = (RsvpStatus.GOING, RsvpStatus.WAITLISTED, RsvpStatus.INTERESTED)
# Feeds keep recent past events so calendars do not lose what just happened.
FEED_PAST_DAYS = 90


@dataclass
class EventInput:
    """What a host submits. Dates and times are wall-clock values in ``timezone``."""

    title: str
    description: str = ""
    category_id: int | None = None
    timezone: str = "UTC"
    all_day: bool = False
    start_date: date | None = None
    start_time: time | None = None
    end_date: date | None = None
    end_time: time | None = None
    venue: str = ""
    address: str = ""
    map_url: str = ""
    online_url: str = ""
    cover_url: str = ""
    capacity: int | None = None
    rsvp_deadline: datetime | None = None  # naive, in ``timezone``
    visibility: str = Visibility.PUBLIC
    attendee_visibility: str = AttendeeVisibility.MEMBERS
    online_link_to_waitlist: bool = False
    cohosts: Sequence[str] | str = field(default_factory=list)


@dataclass
class RsvpOutcome:
    status: str | None
    changed: bool
    waitlist_position: int | None = None


# --- time ------------------------------------------------------------------------------------

def local_to_utc(day: date, at: time, zone: ZoneInfo, *, strict: bool = True) -> datetime:
    """Wall-clock time in ``zone`` -> aware UTC. A time skipped by a daylight-saving change
    does not exist there; ``strict`` refuses it instead of silently moving it by an hour."""
    local = datetime.combine(day, at).replace(tzinfo=zone)
    instant = local.astimezone(UTC)
    if strict and instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent local time")
    return instant


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name or name not in known_timezones():
        return None
    return ZoneInfo(name)


# --- validation ------------------------------------------------------------------------------

def _clean_line(value: str | None, limit: int) -> str:
    return " ".join(strip_invisible(value or "").split())[:limit]


def clean_https_url(value: str | None) -> str | None:
    """The URL if it is a plain https address (the only scheme we link to), else None."""
    value = (value or "").strip()
    if not value:
        return ""
    if len(value) > 1000 or any(ord(c) < 33 or c in "<>\"'`" for c in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() != "https" or not parts.hostname or parts.username or parts.password:
        return None
    return value


def _split_usernames(raw: Sequence[str] | str) -> list[str]:
    if isinstance(raw, str):
        raw = re.split(r"[\s,;]+", raw)
    names: dict[str, None] = {}
    for item in raw:
        name = item.strip().lstrip("@")
        if name:
            names.setdefault(name)
    return list(names)


def _resolve_cohosts(names: Sequence[str] | str, owner_id: int | None, errors: dict[str, str]) -> list[User]:
    wanted = _split_usernames(names)
    if len(wanted) > MAX_COHOSTS:
        errors["cohosts"] = _("At most %(n)d co-hosts.", n=MAX_COHOSTS)
        return []
    if not wanted:
        return []
    found = resolve_usernames(wanted)
    missing = [n for n in wanted if n.lower() not in found]
    if missing:
        errors["cohosts"] = _("No member is called %(names)s.", names=", ".join(missing))
        return []
    canon = [canonical_username(found[n.lower()]) for n in wanted]
    users = list(db.session.scalars(select(User).where(User.username_canonical.in_(canon))))
    return [u for u in users if u.id != owner_id]


def _clean(actor: User, data: EventInput, *, event: Event | None = None) -> tuple[dict[str, Any], list[User]]:
    """Validate a submission; returns the column values and the co-hosts, or raises with
    every problem at once so the form shows them all."""
    cfg = current_app.config
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}

    title = _clean_line(data.title, 500)
    if len(title) < cfg["MIN_TITLE_LENGTH"]:
        errors["title"] = _("Please write a title of at least %(n)d characters.", n=cfg["MIN_TITLE_LENGTH"])
    elif len(title) > cfg["MAX_TITLE_LENGTH"]:
        errors["title"] = _("Please keep the title under %(n)d characters.", n=cfg["MAX_TITLE_LENGTH"])
    values["title"] = title
    description = (data.description or "").replace("\r\n", "\n").strip()
    if len(description) > MAX_DESCRIPTION:
        errors["description"] = _("Please keep it under %(n)d characters.", n=MAX_DESCRIPTION)
    values["description"] = description

    zone = zone_or_none(data.timezone)
    if zone is None:
        errors["timezone"] = _("Choose a time zone from the list.")
        zone = ZoneInfo("UTC")
    values["timezone"] = zone.key
    values["all_day"] = bool(data.all_day)
    _clean_times(data, zone, values, errors)

    _clean_place(data, values, errors)
    _clean_attendance(actor, data, event, values, errors)
    owner_id = event.created_by_id if event is not None else actor.id
    cohosts = _resolve_cohosts(data.cohosts, owner_id, errors)
    if errors:
        raise ValidationFailed(errors)
    return values, cohosts


def _clean_place(data: EventInput, values: dict[str, Any], errors: dict[str, str]) -> None:
    values["venue"] = _clean_line(data.venue, 200)
    values["address"] = _clean_line(data.address, 500)
    for name in ("map_url", "online_url", "cover_url"):
        url = clean_https_url(getattr(data, name))
        if url is None:
            errors[name] = _("Please enter a full https:// address.")
        values[name] = url or ""


def _clean_attendance(actor: User, data: EventInput, event: Event | None, values: dict[str, Any],
                      errors: dict[str, str]) -> None:
    if data.capacity is not None and not 1 <= data.capacity <= 100_000:
        errors["capacity"] = _("Capacity must be a number from 1 to 100,000, or empty for no limit.")
    elif event is not None and data.capacity is not None and data.capacity < event.going_count:
        errors["capacity"] = _("%(n)d people are already going: the capacity cannot be lower.",
                               n=event.going_count)
    values["capacity"] = data.capacity

    if data.visibility not in set(Visibility):
        errors["visibility"] = _("Choose who can see the event.")
    if data.attendee_visibility not in set(AttendeeVisibility):
        errors["attendee_visibility"] = _("Choose who can see the attendees.")
    values["visibility"] = data.visibility
    values["attendee_visibility"] = data.attendee_visibility
    values["online_link_to_waitlist"] = bool(data.online_link_to_waitlist)

    if event is None:
        category = _category_for(actor, data.category_id, errors)
        if category is not None and data.visibility in set(Visibility) \
                and not permissions.category_allows_visibility(category, data.visibility):
            errors["category"] = _("More people can read this category than can see the event: choose a "
                                   "category that only they can read, or a wider visibility.")
        values["category"] = category
    elif data.visibility in set(Visibility) and not permissions.category_allows_visibility(
            event.category, data.visibility):
        errors["visibility"] = _("The event's discussion category is readable by more people.")


def _clean_times(data: EventInput, zone: ZoneInfo, values: dict[str, Any], errors: dict[str, str]) -> None:
    if data.start_date is None:
        errors["start_date"] = _("Please enter the date.")
        return
    end_date = data.end_date or data.start_date
    if data.all_day:
        if end_date < data.start_date:
            errors["end_date"] = _("The event must end after it starts.")
            return
        values.update(start_date=data.start_date, end_date=end_date,
                      starts_at=local_to_utc(data.start_date, time(0), zone, strict=False),
                      ends_at=local_to_utc(end_date + timedelta(days=1), time(0), zone, strict=False))
    else:
        if data.start_time is None:
            errors["start_time"] = _("Please enter the time, or make it an all-day event.")
            return
        end_time = data.end_time or data.start_time
        try:
            starts_at = local_to_utc(data.start_date, data.start_time, zone)
        except ValueError:
            errors["start_time"] = _("This time does not exist in %(zone)s (the clocks change).", zone=zone.key)
            return
        try:
            ends_at = local_to_utc(end_date, end_time, zone)
        except ValueError:
            errors["end_time"] = _("This time does not exist in %(zone)s (the clocks change).", zone=zone.key)
            return
        if data.end_time is None and data.end_date is None:
            ends_at = starts_at + timedelta(hours=2)  # a sensible default for a meetup
        if ends_at <= starts_at:
            errors["end_time"] = _("The event must end after it starts.")
            return
        values.update(start_date=None, end_date=None, starts_at=starts_at, ends_at=ends_at)
    values["rsvp_deadline"] = None
    if data.rsvp_deadline is not None:
        deadline = data.rsvp_deadline.replace(tzinfo=zone).astimezone(UTC)
        if deadline > values["starts_at"]:
            errors["rsvp_deadline"] = _("The RSVP deadline must be before the event starts.")
        values["rsvp_deadline"] = deadline


def _category_for(actor: User, category_id: int | None, errors: dict[str, str]) -> Category | None:
    category = db.session.get(Category, category_id) if category_id else ensure_events_category()
    if category is None or not discussion_permissions.can_start_topic(actor, category):
        errors["category"] = _("Choose a category you can post in.")
        return None
    return category


@dataclass
class _Judged:
    verdict: Verdict
    verdicts: list[Verdict]
    context: FilterContext
    reasons: str | None

    @property
    def held(self) -> bool:
        return self.verdict.kind == VerdictKind.REQUIRE_APPROVAL


def _judge(actor: User, values: dict[str, Any], category_id: int, ip: str | None) -> _Judged:
    """Run the content filters on the title and description (kind "event"), as for a post."""
    draft = Draft(raw=values["description"], title=values["title"])
    context = FilterContext(kind="event", category_id=category_id, locale=actor.locale, ip=ip)
    verdict, verdicts = run_filters("forum_filter_post", draft=draft, author=actor, context=context)
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"description": verdict.message or _("This event cannot be published.")})
    for v in verdicts:
        if v.kind == VerdictKind.REWRITE and v.new_source is not None:
            values["description"] = v.new_source
    if draft.title and draft.title != values["title"]:
        values["title"] = draft.title
    reasons = "; ".join(f"{v.plugin}: {v.reason}" for v in verdicts if v.kind != VerdictKind.ALLOW and v.reason)
    return _Judged(verdict, verdicts, context, reasons[:2000] or None)


def _record(event: Event, judged: _Judged, *, held: bool) -> None:
    """The judgement is part of the write: a held meetup always has its review item."""
    db.session.flush()
    lookup(JudgementRecorder).record(Judgement(kind=JudgedKind.EVENT, subject=event, verdicts=judged.verdicts,
                                               context=judged.context, held=held))


def _cook(values: dict[str, Any]) -> None:
    values["description_html"] = markup.cook(values["description"], resolve_users=resolve_usernames).html \
        if values["description"] else ""
    values["cook_version"] = markup.COOK_VERSION


# --- categories, settings --------------------------------------------------------------------

def ensure_events_category() -> Category:
    """The admin-chosen events category; on a fresh install an "Events" category is made once."""
    from forum.settings import get_setting, set_setting

    category_id = get_setting("events_category_id")
    category = db.session.get(Category, category_id) if category_id else None
    if category is not None:
        return category
    category = db.session.scalar(select(Category).where(Category.slug == "events"))
    if category is None:
        position = (db.session.scalar(select(func.max(Category.position))) or 0) + 1
        category = Category(slug="events", name="Events", position=position, color="#7a3e9d",
                            description="Meetups and their discussions.")
        db.session.add(category)
        db.session.flush()
    set_setting("events_category_id", category.id)
    db.session.commit()
    return category


def category_choices(user: Any) -> list[Category]:
    """Categories an event by ``user`` may live in: the events category first."""
    default = ensure_events_category()
    cats = [c for c in discussions.visible_categories(user) if discussion_permissions.can_start_topic(user, c)]
    return sorted(cats, key=lambda c: (c.id != default.id, c.position, c.name))


def save_settings(admin: User, *, category_id: int, creators: str, reminder_hours: int) -> None:
    from forum.accounts.permissions import can_administer
    from forum.settings import set_setting

    if not can_administer(admin):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    if db.session.get(Category, category_id) is None:
        errors["category_id"] = _("Choose a category.")
    if creators not in permissions.CREATOR_CHOICES:
        errors["creators"] = _("Choose who can create events.")
    if not 1 <= reminder_hours <= 24 * 14:
        errors["reminder_hours"] = _("Between 1 hour and 14 days (336 hours).")
    if errors:
        raise ValidationFailed(errors)
    set_setting("events_category_id", category_id)
    set_setting("events_creators", creators)
    set_setting("events_reminder_hours", reminder_hours)
    db.session.commit()


# --- writes: events --------------------------------------------------------------------------

def _uid_host() -> str:
    cfg = current_app.config
    host = urlsplit(cfg.get("PUBLIC_URL") or "").hostname or (cfg.get("SERVER_NAME") or "").split(":")[0]
    if not host and has_request_context():
        host = request.host.split(":")[0]
    return host or "localhost"


RESERVED_SLUGS = frozenset({"edit", "attendees"})  # the event's own sub-pages


def event_slug(title: str) -> str:
    slug = slugify(title)
    return f"{slug}-event" if slug in RESERVED_SLUGS else slug


def event_path(event: Event) -> str:
    return url_for("events.show", event_id=event.id, slug=event.slug or "-")


def _topic_body(author: User, event: Event) -> str:
    """The opening post: a pointer to the event page, which always has the current details."""
    from flask_babel import force_locale

    with force_locale(author.locale or current_app.config["DEFAULT_LOCALE"]):
        return _("This is the discussion topic of the event. Date, place and RSVP: [event page](%(link)s)",
                 link=event_path(event))


def _open_topic(author: User, event: Event, ip: str | None) -> Any:
    """Create the event's discussion topic and link it both ways, in the caller's transaction;
    returns the topic's outcome (the caller commits, then fires ``forum_topic_created``)."""
    try:
        outcome = discussions.create_topic(author, event.category, event.title, _topic_body(author, event), ip=ip,
                                           commit=False)
    except discussions.PostingBlocked:
        db.session.rollback()
        raise
    except PermissionDenied as exc:
        db.session.rollback()
        raise ValidationFailed({"category": _("Choose a category you can post in.")}) from exc
    except ValidationFailed as exc:
        db.session.rollback()
        raise ValidationFailed({"title" if "title" in exc.errors else "description": exc.message}) from exc
    event.topic_id = outcome.post.topic_id
    return outcome


def _topic_opened(outcome: Any) -> None:
    if outcome is not None:
        fire("forum_topic_created", topic=outcome.post.topic, post=outcome.post)


def create_event(author: User, data: EventInput, *, ip: str | None = None) -> Event:
    if not permissions.can_create_event(author):
        raise PermissionDenied()
    reason = posting_block_reason(author)
    if reason:
        raise discussions.PostingBlocked(reason)
    values, cohosts = _clean(author, data)
    category: Category = values.pop("category")
    judged = _judge(author, values, category.id, ip)
    _cook(values)
    now = utcnow()
    event = Event(**values, slug=event_slug(values["title"]), category=category, created_by_id=author.id,
                  created_at=now, updated_at=now, moderation_reason=judged.reasons,
                  state=EventState.PENDING if judged.held else EventState.SCHEDULED)
    event.hosts = [EventHost(user_id=u.id) for u in cohosts]
    try:
        db.session.add(event)
        db.session.flush()
        event.uid = f"event-{event.id}@{_uid_host()}"
        _record(event, judged, held=judged.held)
        opened = None if judged.held else _open_topic(author, event, ip)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _topic_opened(opened)
    fire("forum_event_changed", event=event, actor=author, change="created")
    return event


def publish_held_event(moderator: User, event: Event) -> list[tuple[str, dict[str, Any]]]:
    """A held event goes live and its discussion topic opens, in the caller's transaction
    (the review queue's decision, or :func:`approve_event`). Returns the events to fire."""
    if not permissions.can_approve_event(moderator, event):
        raise PermissionDenied()
    event.state = EventState.SCHEDULED
    event.moderation_reason = None
    event.updated_at = utcnow()
    fired: list[tuple[str, dict[str, Any]]] = []
    if event.topic_id is None:
        author = event.creator if event.creator is not None and not \
            posting_block_reason(event.creator) else moderator
        outcome = _open_topic(author, event, None)
        fired.append(("forum_topic_created", {"topic": outcome.post.topic, "post": outcome.post}))
    if event.creator is not None and event.created_by_id != moderator.id:
        title = event.title
        _notify(event.creator, event, "event_approved", lambda: _("Your meetup “%(title)s” was approved.",
                                                                   title=title))
    fired.append(("forum_event_changed", {"event": event, "actor": moderator, "change": "approved"}))
    return fired


def refuse_held_event(moderator: User, event: Event, reason: str) -> list[tuple[str, dict[str, Any]]]:
    """A reviewer refuses a held meetup: it stays, unpublished, with the reason; its creator
    can edit it and send it back. In the caller's transaction; returns the events to fire."""
    if not permissions.can_approve_event(moderator, event):
        raise PermissionDenied()
    event.state = EventState.REJECTED
    event.moderation_reason = reason[:2000] or None
    event.updated_at = utcnow()
    if event.creator is not None:
        title = event.title
        _notify(event.creator, event, "event_rejected", lambda: _(
            "Your meetup “%(title)s” was not approved: %(reason)s You can edit it and submit it again.",
            title=title, reason=reason))
    return [("forum_event_changed", {"event": event, "actor": moderator, "change": "rejected"})]


def approve_event(moderator: User, event: Event) -> None:
    """Approve a held event from its own page: its review item is closed with it."""
    try:
        fired = publish_held_event(moderator, event)
        lookup(JudgementRecorder).settle(JudgedKind.EVENT, event, moderator, approved=True)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for name, kwargs in fired:
        fire(name, **kwargs)


TIME_FIELDS = ("timezone", "all_day", "starts_at", "ends_at", "start_date", "end_date")
PLACE_FIELDS = ("venue", "address", "map_url", "online_url")


def update_event(editor: User, event: Event, data: EventInput, *, ip: str | None = None) -> Event:
    """Edit an event. A change of time or place bumps the calendar SEQUENCE and tells everyone
    who answered; a higher capacity promotes people from the waitlist in order."""
    if not permissions.can_manage_event(editor, event):
        raise PermissionDenied()
    if not editor.is_moderator:
        reason = posting_block_reason(editor)
        if reason:
            raise discussions.PostingBlocked(reason)
    if event.is_cancelled:
        raise ValidationFailed(_("A cancelled event cannot be edited."))
    values, cohosts = _clean(editor, data, event=event)
    judged = _judge(editor, values, event.category_id, ip)
    _cook(values)
    capacity = values.pop("capacity")
    moved = any(values[k] != getattr(event, k) for k in TIME_FIELDS)
    relocated = any(values[k] != getattr(event, k) for k in PLACE_FIELDS)
    for key, value in values.items():
        setattr(event, key, value)
    event.slug = event_slug(event.title)
    event.updated_at = utcnow()
    held = judged.held and not editor.is_moderator
    if held or event.state == EventState.REJECTED:  # a refused meetup, edited, is reviewed again
        event.state = EventState.PENDING
        event.moderation_reason = judged.reasons
    _record(event, judged, held=event.state == EventState.PENDING)
    if moved or relocated:
        event.sequence += 1
    wanted = {u.id for u in cohosts}
    event.hosts = [h for h in event.hosts if h.user_id in wanted] + [
        EventHost(user_id=uid) for uid in wanted - {h.user_id for h in event.hosts}]
    db.session.flush()
    if capacity != event.capacity:
        _set_capacity(event, capacity)
    if moved or relocated:
        _notify_followers(event, "event_changed", exclude=editor.id, key=f"event-changed:{event.id}:"
                          f"{event.sequence}", message=lambda e=event: _(
                              "%(title)s has changed: it is now %(when)s.", title=e.title, when=_when_text(e)))
    db.session.commit()
    fire("forum_event_changed", event=event, actor=editor, change="updated")
    return event


def _set_capacity(event: Event, capacity: int | None) -> None:
    t = Event.__table__
    stmt = update(t).where(t.c.id == event.id)
    if capacity is not None:
        stmt = stmt.where(t.c.going_count <= capacity)  # a seat may have gone since we looked
    if _affected(stmt.values(capacity=capacity)) != 1:
        db.session.rollback()
        raise ValidationFailed({"capacity": _("More people are going than this capacity: reload and try "
                                              "again.")})
    _refresh_seats(event)
    _promote(event)


def cancel_event(actor: User, event: Event) -> None:
    """Cancelled events stay visible (and in calendars, as CANCELLED); answers are kept."""
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    if event.is_cancelled:
        return
    was_held = event.state == EventState.PENDING
    event.state = EventState.CANCELLED
    event.cancelled_at = event.updated_at = utcnow()
    event.sequence += 1
    if was_held:  # nothing left to review
        lookup(JudgementRecorder).settle(JudgedKind.EVENT, event, actor, approved=False)
    _notify_followers(event, "event_cancelled", exclude=actor.id, key=f"event-cancelled:{event.id}",
                      message=lambda e=event: _("%(title)s (%(when)s) is cancelled.", title=e.title,
                                                when=_when_text(e)))
    db.session.commit()
    fire("forum_event_changed", event=event, actor=actor, change="cancelled")


def set_rsvps_closed(actor: User, event: Event, closed: bool) -> None:
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    event.rsvps_closed = closed
    event.updated_at = utcnow()
    db.session.commit()


# --- writes: RSVPs ---------------------------------------------------------------------------

def rsvp_block_reason(event: Event, now: datetime | None = None) -> str | None:
    """Why nobody can answer "going" or "interested" right now, as a code, or None."""
    now = now or utcnow()
    if event.state != EventState.SCHEDULED:
        return "cancelled" if event.is_cancelled else "pending"
    if event.starts_at <= now:
        return "started"
    if event.rsvps_closed:
        return "closed"
    if event.rsvp_deadline is not None and event.rsvp_deadline <= now:
        return "deadline"
    return None


RSVP_BLOCK_MESSAGES = {
    "cancelled": lambda: _("This event is cancelled."),
    "pending": lambda: _("This event is waiting for approval."),
    "started": lambda: _("This event has already started."),
    "closed": lambda: _("The hosts closed RSVPs for this event."),
    "deadline": lambda: _("The RSVP deadline has passed."),
}


class _Raced(Exception):
    """Our row changed between reading and writing it: start again."""


def rsvp(user: User, event: Event, status: str) -> RsvpOutcome:
    """Answer going / interested / not going. "Going" on a full event joins the waitlist."""
    if not user.is_authenticated:
        raise PermissionDenied()
    if not permissions.can_see_event(user, event):
        raise NotFound()
    if not user.is_verified:
        raise ValidationFailed(_("Please confirm your email address first."))
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
    if old == RsvpStatus.GOING:
        _release_seat(event)
        _promote(event)
    db.session.commit()
    return RsvpOutcome(new, changed=True, waitlist_position=waitlist_position(event, existing))


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


def _promote(event: Event) -> list[EventRsvp]:
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
        if candidate is None or not _take_seat(event):
            break
        tried.add(candidate.id)
        if not _change_status(candidate, RsvpStatus.WAITLISTED,
                              {"status": RsvpStatus.GOING, "updated_at": utcnow(), "waitlisted_at": None}):
            _release_seat(event)
            continue
        promoted.append(candidate)
    for row in promoted:
        _notify(row.user, event, "event_promoted", lambda e=event: _(
            "A seat opened up: you are now going to %(title)s (%(when)s).", title=e.title, when=_when_text(e)))
    return promoted


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
    if old == RsvpStatus.GOING:
        _release_seat(event)
        _promote(event)
    _notify(row.user, event, "event_removed", lambda e=event: _(
        "A host removed you from the attendees of %(title)s.", title=e.title))
    db.session.commit()


def set_checked_in(actor: User, event: Event, user_id: int, checked: bool) -> None:
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    row = db.session.scalar(select(EventRsvp).where(EventRsvp.event_id == event.id,
                                                    EventRsvp.user_id == user_id))
    if row is None or row.status == RsvpStatus.REMOVED:
        raise NotFound()
    row.checked_in_at = utcnow() if checked else None
    db.session.commit()


# --- notifications ---------------------------------------------------------------------------

def _when_text(event: Event, locale: str | None = None) -> str:
    """The event's date and time in its own zone, named, so the text is right for everyone."""
    from babel.dates import format_date, format_time
    from flask_babel import get_locale

    loc = locale or str(get_locale() or current_app.config["DEFAULT_LOCALE"])
    if event.all_day and event.start_date:
        return format_date(event.start_date, "full", locale=loc)
    start = event.local_start
    return (f"{format_date(start, 'full', locale=loc)} "
            f"{format_time(start, 'short', tzinfo=event.zone, locale=loc)} {event.timezone}")


def _notify(user: User, event: Event, kind: str, message: Any, *, key: str | None = None,
            subject: Any = None) -> bool:
    from forum.notifications.services import notify

    return notify(user, kind, message, url=event_path(event),
                  email_subject=subject or (lambda e=event: _("Event: %(title)s", title=e.title)), dedupe_key=key)


def _notify_followers(event: Event, kind: str, *, exclude: int | None, key: str, message: Any) -> int:
    rows = db.session.scalars(select(EventRsvp).options(joinedload(EventRsvp.user))
                              .where(EventRsvp.event_id == event.id, EventRsvp.status.in_(FOLLOWERS)))
    return sum(_notify(r.user, event, kind, message, key=key) for r in rows if r.user_id != exclude)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind going and interested members of events starting within the lead time (admin
    setting ``events_reminder_hours``). Idempotent: one reminder per member per start time,
    so cron may run it as often as it likes and a moved event is reminded again."""
    from forum.settings import get_setting

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
        count = sum(_notify(r.user, event, "event_reminder", lambda e=event: _(
            "Reminder: %(title)s starts %(when)s.", title=e.title, when=_when_text(e)), key=key,
            subject=lambda e=event: _("Reminder: %(title)s", title=e.title)) for r in rows)
        try:
            db.session.commit()
        except IntegrityError:  # another run got there first: its reminders stand
            db.session.rollback()
            continue
        sent += count
    return sent


# --- reads -----------------------------------------------------------------------------------

def _visible(viewer: Any) -> Any:
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
    hosted = exists().where(EventHost.event_id == Event.id, EventHost.user_id == viewer.id)
    return or_(cond, and_(Event.state.not_in(UNPUBLISHED_STATES), hosted), Event.created_by_id == viewer.id)


def _listing(viewer: Any) -> Select[Any]:
    return select(Event).options(joinedload(Event.category)).where(_visible(viewer))


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


def _cursor(event: Event) -> str:
    return f"{int(event.starts_at.timestamp() * 1_000_000)}_{event.id}"


def _read_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    stamp, _sep, event_id = (cursor or "").partition("_")
    if not stamp.isdigit() or not event_id.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, UTC), int(event_id)


def list_upcoming(viewer: Any, *, after: str | None = None, limit: int = 50,
                  now: datetime | None = None) -> tuple[list[Event], str | None]:
    """Soonest first, keyset-paginated: (events, cursor of the next page or None)."""
    now = now or utcnow()
    query = _listing(viewer).where(Event.ends_at > now)
    position = _read_cursor(after)
    if position is not None:
        query = query.where(tuple_(Event.starts_at, Event.id) > tuple_(*position))
    rows = list(db.session.scalars(query.order_by(Event.starts_at, Event.id).limit(limit + 1)).unique())
    return rows[:limit], (_cursor(rows[limit - 1]) if len(rows) > limit else None)


def list_past(viewer: Any, *, before: str | None = None, per_page: int = 30,
              now: datetime | None = None) -> tuple[list[Event], str | None]:
    """Most recent first, keyset-paginated like the upcoming list."""
    now = now or utcnow()
    query = _listing(viewer).where(Event.ends_at <= now)
    position = _read_cursor(before)
    if position is not None:
        query = query.where(tuple_(Event.starts_at, Event.id) < tuple_(*position))
    rows = list(db.session.scalars(query.order_by(Event.starts_at.desc(), Event.id.desc())
                                   .limit(per_page + 1)).unique())
    return rows[:per_page], (_cursor(rows[per_page - 1]) if len(rows) > per_page else None)


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
    events = list(db.session.scalars(_listing(viewer).where(Event.starts_at < hi + timedelta(days=1),
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
                     rsvp_block=rsvp_block_reason(event))


def waitlist_position(event: Event, row: EventRsvp | None) -> int | None:
    if row is None or row.status != RsvpStatus.WAITLISTED or row.waitlisted_at is None:
        return None
    ahead = db.session.scalar(select(func.count()).select_from(EventRsvp).where(
        EventRsvp.event_id == event.id, EventRsvp.status == RsvpStatus.WAITLISTED,
        or_(EventRsvp.waitlisted_at < row.waitlisted_at,
            and_(EventRsvp.waitlisted_at == row.waitlisted_at, EventRsvp.id < row.id)))) or 0
    return int(ahead) + 1


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
    pick = lambda s: [r for r in rows if r.status == s]  # noqa: E731
    return Roster(pick(RsvpStatus.GOING), pick(RsvpStatus.WAITLISTED), pick(RsvpStatus.INTERESTED),
                  pick(RsvpStatus.NOT_GOING), pick(RsvpStatus.REMOVED))


def csv_cell(value: Any) -> str:
    """Spreadsheets run cells starting with = + - @ (and tab/CR) as formulas: defuse them."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def attendees_csv(actor: Any, event: Event) -> str:
    import csv
    import io

    people = roster(actor, event)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["username", "display_name", "status", "waitlist_position", "answered_at (UTC)",
                     "checked_in_at (UTC)"])
    for status_rows in (people.going, people.waitlist, people.interested):
        for position, r in enumerate(status_rows, start=1):
            writer.writerow([csv_cell(c) for c in (
                r.user.username, r.user.display_name, r.status,
                position if r.status == RsvpStatus.WAITLISTED else "",
                r.updated_at.strftime("%Y-%m-%d %H:%M"),
                r.checked_in_at.strftime("%Y-%m-%d %H:%M") if r.checked_in_at else "")])
    return out.getvalue()


# --- calendar feeds --------------------------------------------------------------------------

def _feed_window(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=FEED_PAST_DAYS)


def public_feed_events() -> list[Event]:
    """Public events in public categories, cancelled ones included (as CANCELLED)."""
    from forum.accounts.models import AnonymousUser

    return list(db.session.scalars(_listing(AnonymousUser()).where(Event.ends_at > _feed_window())
                                   .order_by(Event.starts_at)).unique())


def category_feed_events(viewer: Any, slug: str) -> tuple[Category, list[Event]]:
    category = discussions.get_category(viewer, slug)
    events = list(db.session.scalars(_listing(viewer).where(Event.category_id == category.id,
                                                            Event.ends_at > _feed_window())
                                     .order_by(Event.starts_at)).unique())
    return category, events


def personal_feed_events(user: User) -> list[Event]:
    """Events ``user`` is going to or hosts (still visible to them)."""
    going = select(EventRsvp.event_id).where(EventRsvp.user_id == user.id, EventRsvp.status == RsvpStatus.GOING)
    hosted = select(EventHost.event_id).where(EventHost.user_id == user.id)
    return list(db.session.scalars(_listing(user).options(selectinload(Event.hosts)).where(
        Event.ends_at > _feed_window(), Event.state.not_in(UNPUBLISHED_STATES),
        or_(Event.id.in_(going), Event.id.in_(hosted), Event.created_by_id == user.id))
        .order_by(Event.starts_at)).unique())


def _feed_signature(user_id: int, nonce: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"event-feed:{user_id}:{nonce}".encode(), hashlib.sha256).hexdigest()[:40]


def feed_token(user: User) -> str | None:
    key = db.session.get(EventFeedKey, user.id)
    return f"{user.id}-{_feed_signature(user.id, key.nonce)}" if key else None


def regenerate_feed_token(user: User) -> str:
    """A new secret URL; the old one stops working at once."""
    key = db.session.get(EventFeedKey, user.id)
    if key is None:
        key = EventFeedKey(user_id=user.id)
        db.session.add(key)
    key.nonce = secrets.token_urlsafe(24)
    key.created_at = utcnow()
    db.session.commit()
    return f"{user.id}-{_feed_signature(user.id, key.nonce)}"


def revoke_feed_token(user: User) -> None:
    key = db.session.get(EventFeedKey, user.id)
    if key is not None:
        db.session.delete(key)
        db.session.commit()


def user_for_feed_token(token: str) -> User:
    user_id, _sep, signature = token.partition("-")
    if not user_id.isdigit() or not signature:
        raise NotFound()
    key = db.session.get(EventFeedKey, int(user_id))
    if key is None or not hmac.compare_digest(signature, _feed_signature(key.user_id, key.nonce)):
        raise NotFound()
    user = db.session.get(User, key.user_id)
    if user is None or (user.suspended_until and user.suspended_until > utcnow()):
        raise NotFound()
    return user


def visible_online_event_ids(user: User, events: Sequence[Event]) -> set[int]:
    """Events among ``events`` whose online link ``user`` may see (for their personal feed)."""
    if not events:
        return set()
    statuses = dict(db.session.execute(select(EventRsvp.event_id, EventRsvp.status).where(
        EventRsvp.user_id == user.id, EventRsvp.event_id.in_([e.id for e in events]))).all())
    return {e.id for e in events if e.online_url and permissions.can_see_online_link(user, e, statuses.get(e.id))}

