"""Writing meetups: create, edit, cancel, and the moderators' approve / refuse of held ones.

Every write goes: permission -> validation -> content filters -> write (the event, its
judgement through the registered :class:`~forum.accounts.interfaces.JudgementRecorder`, its
discussion topic) -> commit -> notify and fire hooks. A held meetup has no discussion topic
until it is approved; a refused one (REJECTED) stays with its creator, who may edit it and so
send it back to the review queue.
"""

from __future__ import annotations

from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from forum import outbox
from forum.accounts.interfaces import JudgedKind, JudgementRecorder
from forum.accounts.models import User
from forum.accounts.permissions import posting_block_reason
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Category
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n_content import member_language
from forum.plugins.manager import fire
from forum.registry import lookup
from forum.text import one_line, slugify
from forum.urls import public_host

from .. import permissions
from ..models import Event, EventState
from . import notices
from .cohosts import apply_cohosts, notify_invitations, notify_open_invitations
from .notices import event_path, notify_followers, notify_member
from .rsvps import set_capacity
from .validation import EventInput, clean_submission, cook_description, judge, record_judgement

Fired = list[tuple[str, dict[str, Any]]]

RESERVED_SLUGS = frozenset({"edit", "attendees"})  # the event's own sub-pages
# A change of any of these bumps the calendar SEQUENCE and tells everyone who answered.
TIME_FIELDS = ("timezone", "all_day", "starts_at", "ends_at", "start_date", "end_date")
PLACE_FIELDS = ("venue", "address", "map_url", "online_url")
MAX_REASON = 2000


def event_slug(title: str) -> str:
    slug = slugify(title)
    return f"{slug}-event" if slug in RESERVED_SLUGS else slug


def _uid_host() -> str:
    return public_host()


def _require_can_post(user: User) -> None:
    reason = posting_block_reason(user)
    if reason:
        raise discussions.PostingBlocked(reason)


# --- the discussion topic ----------------------------------------------------------------------

def _topic_body(author: User, event: Event) -> str:
    """The opening post: a pointer to the event page, which always has the current details."""
    with force_locale(member_language(author)):
        return _("This is the discussion topic of the event. Date, place and RSVP: [event page](%(link)s)",
                 link=event_path(event))


def _open_topic(author: User, event: Event, ip: str | None,
                reviewed_by: User | None = None) -> discussions.PostOutcome:
    """Create the event's discussion topic and link it both ways, in the caller's transaction;
    returns the topic's outcome (the caller commits, then fires ``forum_topic_created``).
    ``reviewed_by``: the moderator who approved the meetup, so its topic is not held again."""
    try:
        outcome = discussions.create_topic(author, event.category, event.title, _topic_body(author, event), ip=ip,
                                           commit=False, reviewed_by=reviewed_by)
    except discussions.PostingBlocked:
        raise  # the caller rolls its transaction back
    except PermissionDenied as exc:
        raise ValidationFailed({"category": _("Choose a category you can post in.")}) from exc
    except ValidationFailed as exc:
        raise ValidationFailed({"title" if "title" in exc.errors else "description": exc.message}) from exc
    event.topic_id = outcome.post.topic_id
    return outcome


def _topic_opened(outcome: discussions.PostOutcome | None) -> None:
    if outcome is not None:
        fire("forum_topic_created", topic=outcome.post.topic, post=outcome.post)


# --- create and edit ---------------------------------------------------------------------------

def create_event(author: User, data: EventInput, *, ip: str | None = None) -> Event:
    if not permissions.can_create_event(author):
        raise PermissionDenied()
    _require_can_post(author)
    values, cohosts = clean_submission(author, data)
    category: Category = values.pop("category")
    judged = judge(author, values, category.id, ip)
    cook_description(values)
    now = utcnow()
    event = Event(**values, slug=event_slug(values["title"]), category=category, created_by_id=author.id,
                  created_at=now, updated_at=now, moderation_reason=judged.reasons,
                  state=EventState.PENDING if judged.held else EventState.SCHEDULED)
    invited = apply_cohosts(event, cohosts)  # invitations: nobody hosts until they accept
    try:
        db.session.add(event)
        db.session.flush()
        event.uid = f"event-{event.id}@{_uid_host()}"
        record_judgement(event, judged, held=judged.held)
        opened = None if judged.held else _open_topic(author, event, ip)
        notify_invitations(event, invited, author)
        if opened is not None:
            outbox.record("forum_topic_created", topic=opened.post.topic, post=opened.post)
        outbox.record("forum_event_changed", event=event, actor=author, change="created")
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    _topic_opened(opened)
    fire("forum_event_changed", event=event, actor=author, change="created")
    return event


def update_event(editor: User, event: Event, data: EventInput, *, ip: str | None = None) -> Event:
    """Edit an event. A change of time or place bumps the calendar SEQUENCE and tells everyone
    who answered; a higher capacity promotes people from the waitlist in order. A refused
    meetup, once edited, goes back to the review queue."""
    if not permissions.can_manage_event(editor, event):
        raise PermissionDenied()
    if not editor.is_moderator:
        _require_can_post(editor)
    if event.is_cancelled:
        raise ValidationFailed(_("A cancelled event cannot be edited."))
    values, cohosts = clean_submission(editor, data, event=event)
    judged = judge(editor, values, event.category_id, ip, editing=True)
    cook_description(values)
    capacity = values.pop("capacity")
    moved = any(values[k] != getattr(event, k) for k in TIME_FIELDS)
    relocated = any(values[k] != getattr(event, k) for k in PLACE_FIELDS)
    for key, value in values.items():
        setattr(event, key, value)
    event.slug = event_slug(event.title)
    event.updated_at = utcnow()
    held = judged.held and not editor.is_moderator
    if held or event.state == EventState.REJECTED:
        event.state = EventState.PENDING
        event.moderation_reason = judged.reasons
    try:
        record_judgement(event, judged, held=event.state == EventState.PENDING)
    except Exception:
        db.session.rollback()
        raise
    if moved or relocated:
        event.sequence += 1
    # Only members newly named (or named again after declining) are invited and told.
    notify_invitations(event, apply_cohosts(event, cohosts), editor)
    db.session.flush()
    promotions = set_capacity(event, capacity) if capacity != event.capacity else []
    if (moved or relocated) and event.state != EventState.PENDING:  # a held change is announced once approved
        notify_followers(event, notices.CHANGED, exclude=editor.id, key=f"event-changed:{event.id}:{event.sequence}")
    db.session.commit()
    fire("forum_event_changed", event=event, actor=editor, change="updated")
    for name, kwargs in promotions:
        fire(name, **kwargs)
    return event


# --- held meetups: the moderators' decision ----------------------------------------------------

def publish_held_event(moderator: User, event: Event) -> Fired:
    """A held event goes live and its discussion topic opens, in the caller's transaction
    (the review queue's decision, or :func:`approve_event`). Returns the events to fire."""
    if not permissions.can_approve_event(moderator, event):
        raise PermissionDenied()
    event.state = EventState.SCHEDULED
    event.moderation_reason = None
    event.updated_at = utcnow()
    fired: Fired = []
    if event.topic_id is None:
        # The topic is the creator's when they may still post; otherwise the moderator opens it.
        author = event.creator if event.creator is not None and not \
            posting_block_reason(event.creator) else moderator
        outcome = _open_topic(author, event, None, reviewed_by=moderator)
        fired.append(("forum_topic_created", {"topic": outcome.post.topic, "post": outcome.post}))
    notify_open_invitations(event)  # held back while the invitees could not open the event
    if event.creator is not None and event.created_by_id != moderator.id:
        notify_member(event.creator, event, notices.APPROVED)
    fired.append(("forum_event_changed", {"event": event, "actor": moderator, "change": "approved"}))
    return fired


def refuse_held_event(moderator: User, event: Event, reason: str) -> Fired:
    """A reviewer refuses a held meetup: it stays, unpublished, with the reason; its creator
    can edit it and send it back. In the caller's transaction; returns the events to fire."""
    if not permissions.can_approve_event(moderator, event):
        raise PermissionDenied()
    reason = one_line(reason, MAX_REASON)
    event.state = EventState.REJECTED
    event.moderation_reason = reason or None
    event.updated_at = utcnow()
    if event.creator is not None:
        notify_member(event.creator, event, notices.REJECTED, {"reason": reason})
    return [("forum_event_changed", {"event": event, "actor": moderator, "change": "rejected"})]


def approve_event(moderator: User, event: Event) -> None:
    """Approve a held event from its own page: its review item is closed with it."""
    try:
        fired = publish_held_event(moderator, event)
        lookup(JudgementRecorder).settle(JudgedKind.EVENT, event, moderator, approved=True)
        outbox.record_all(fired)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for name, kwargs in fired:
        fire(name, **kwargs)


# --- cancel, close ------------------------------------------------------------------------------

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
    notify_followers(event, notices.CANCELLED, exclude=actor.id, key=f"event-cancelled:{event.id}")
    db.session.commit()
    fire("forum_event_changed", event=event, actor=actor, change="cancelled")


def set_rsvps_closed(actor: User, event: Event, closed: bool) -> None:
    if not permissions.can_manage_event(actor, event):
        raise PermissionDenied()
    event.rsvps_closed = closed
    event.updated_at = utcnow()
    db.session.commit()
