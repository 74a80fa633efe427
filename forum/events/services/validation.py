"""Checking what a host submits, and judging it with the content filters like a post.

Titles are cleaned by discussions' :func:`~forum.discussions.services.clean_title` (a meetup's
title is also its discussion topic's title, so both follow one rule); other one-line fields by
:func:`forum.text.one_line`. Every problem is reported at once, so the form shows them all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select

from forum import markup
from forum.accounts.interfaces import JudgedKind, Judgement, JudgementRecorder
from forum.accounts.models import User
from forum.accounts.services import canonical_username, resolve_usernames
from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Category
from forum.discussions.services import clean_title, detect_language
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.plugins import Draft, FilterContext, Verdict, VerdictKind
from forum.plugins.manager import run_filters
from forum.registry import lookup
from forum.text import one_line

from .. import permissions
from ..models import AttendeeVisibility, Event, Visibility
from .categories import ensure_events_category
from .times import local_to_utc, zone_or_none

MAX_COHOSTS = 10
MAX_DESCRIPTION = 20_000


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


def clean_submission(actor: User, data: EventInput, *, event: Event | None = None
                     ) -> tuple[dict[str, Any], list[User]]:
    """Validate a submission; returns the column values and the co-hosts, or raises with
    every problem at once so the form shows them all."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    try:
        values["title"] = clean_title(data.title, "title")
    except ValidationFailed as exc:
        errors.update(exc.errors)
        values["title"] = ""
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
    values["venue"] = one_line(data.venue, 200)
    values["address"] = one_line(data.address, 500)
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


# --- content filters ---------------------------------------------------------------------------

@dataclass
class Judged:
    verdict: Verdict
    verdicts: list[Verdict]
    context: FilterContext
    reasons: str | None

    @property
    def held(self) -> bool:
        return self.verdict.kind == VerdictKind.REQUIRE_APPROVAL


def judge(actor: User, values: dict[str, Any], category_id: int, ip: str | None, *, editing: bool = False) -> Judged:
    """Run the content filters on the title and description, as for a post: kind "event" for a
    new meetup, kind "edit" (``extra["edits"] == "event"``) for a change to one."""
    draft = Draft(raw=values["description"], title=values["title"])
    # The language the meetup is written in, as for a post (watched words scoped to it apply).
    language = detect_language(values["description"], actor, values["title"])
    context = FilterContext(kind="edit" if editing else "event", category_id=category_id, locale=language,
                            ip=ip, extra={"edits": "event"} if editing else {})
    verdict, verdicts = run_filters("forum_filter_post", draft=draft, author=actor, context=context)
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"description": verdict.message or _("This event cannot be published.")})
    for v in verdicts:
        if v.kind == VerdictKind.REWRITE and v.new_source is not None:
            values["description"] = v.new_source
    if draft.title and draft.title != values["title"]:
        values["title"] = draft.title
    reasons = "; ".join(f"{v.plugin}: {v.reason}" for v in verdicts if v.kind != VerdictKind.ALLOW and v.reason)
    return Judged(verdict, verdicts, context, reasons[:2000] or None)


def record_judgement(event: Event, judged: Judged, *, held: bool) -> None:
    """The judgement is part of the write: a held meetup always has its review item."""
    db.session.flush()
    lookup(JudgementRecorder).record(Judgement(kind=JudgedKind.EVENT, subject=event, verdicts=judged.verdicts,
                                               context=judged.context, held=held))


def cook_description(values: dict[str, Any]) -> None:
    values["description_html"] = markup.cook(values["description"], resolve_users=resolve_usernames).html \
        if values["description"] else ""
    values["cook_version"] = markup.COOK_VERSION
