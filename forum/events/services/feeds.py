"""Calendar feeds (ICS): the public one, per category, and each member's secret personal feed.

A personal feed URL carries an HMAC of a nonce kept in ``event_feed_keys``, so the database
alone does not reveal working URLs; a new nonce revokes the old URL at once.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from forum.accounts.models import AnonymousUser, User
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Category
from forum.errors import NotFound
from forum.extensions import db

from .. import permissions
from ..models import UNPUBLISHED_STATES, Event, EventFeedKey, EventHost, EventRsvp, HostState, RsvpStatus
from .reads import listing

# Feeds keep recent past events so calendars do not lose what just happened.
FEED_PAST_DAYS = 90


def _feed_window(now: datetime | None = None) -> datetime:
    return (now or utcnow()) - timedelta(days=FEED_PAST_DAYS)


def public_feed_events() -> list[Event]:
    """Public events in public categories, cancelled ones included (as CANCELLED)."""
    return list(db.session.scalars(listing(AnonymousUser()).where(Event.ends_at > _feed_window())
                                   .order_by(Event.starts_at)).unique())


def category_feed_events(viewer: Any, slug: str) -> tuple[Category, list[Event]]:
    """The category's published events that ``viewer`` may see."""
    category = discussions.get_category(viewer, slug)
    # Calendars subscribe to what will happen: held and refused meetups stay out, even for
    # the moderators and creators who may open them.
    events = list(db.session.scalars(listing(viewer).where(Event.category_id == category.id,
                                                           Event.state.not_in(UNPUBLISHED_STATES),
                                                           Event.ends_at > _feed_window())
                                     .order_by(Event.starts_at)).unique())
    return category, events


def personal_feed_events(user: User) -> list[Event]:
    """Events ``user`` is going to or hosts (still visible to them, and published). Co-hosted
    events only once accepted: an invitation must not put anything in someone's calendar."""
    going = select(EventRsvp.event_id).where(EventRsvp.user_id == user.id, EventRsvp.status == RsvpStatus.GOING)
    hosted = select(EventHost.event_id).where(EventHost.user_id == user.id, EventHost.state == HostState.ACCEPTED)
    return list(db.session.scalars(listing(user).options(selectinload(Event.hosts)).where(
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
    # ASCII digits within a row id's range: anything else is not a URL we made (404, not 500).
    if not (user_id.isascii() and user_id.isdigit() and len(user_id) <= 18) or not signature:
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
