"""Slow mode: a member may post once per N seconds in a topic, or in every topic of a category.

Enforced in the posting path as a content-filter verdict (:mod:`.hooks`), so a refused reply
comes back to its form with the text kept and the time left; staff are exempt. A topic's own
slow mode and its category's both apply: the stricter wins.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, or_, select

from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions.models import Category, Post, Topic
from forum.errors import ValidationFailed
from forum.extensions import db

from .models import SlowMode

MIN_SECONDS = 5
MAX_SECONDS = 24 * 3600


@dataclass(frozen=True)
class Applying:
    seconds: int
    until: datetime | None
    scope: str  # "topic" / "category"


def _live(now: datetime) -> Any:
    return or_(SlowMode.until.is_(None), SlowMode.until > now)


def for_topic(topic: Topic, now: datetime | None = None) -> Applying | None:
    """The slow mode a reply to ``topic`` is under (one query), or None."""
    now = now or utcnow()
    rows = db.session.scalars(select(SlowMode).where(
        or_(SlowMode.topic_id == topic.id, SlowMode.category_id == topic.category_id), _live(now))).all()
    return _strictest(rows)


def for_category(category_id: int, now: datetime | None = None) -> Applying | None:
    now = now or utcnow()
    return _strictest(db.session.scalars(select(SlowMode).where(SlowMode.category_id == category_id,
                                                                _live(now))).all())


def _strictest(rows: Any) -> Applying | None:
    best = max(rows, key=lambda r: r.seconds, default=None)
    if best is None:
        return None
    return Applying(best.seconds, best.until, "topic" if best.topic_id else "category")


def seconds_left(user: Any, applying: Applying, *, topic_id: int | None, category_id: int | None,
                 now: datetime | None = None) -> int:
    """How long ``user`` still waits (0: may post now): from their last post where it applies."""
    now = now or utcnow()
    query = select(func.max(Post.created_at)).where(Post.user_id == user.id)
    if applying.scope == "topic" and topic_id is not None:
        query = query.where(Post.topic_id == topic_id)
    else:
        query = query.join(Topic, Topic.id == Post.topic_id).where(Topic.category_id == category_id)
    last = db.session.scalar(query.where(Post.created_at > now - timedelta(seconds=applying.seconds)))
    if last is None:
        return 0
    return max(0, math.ceil((last + timedelta(seconds=applying.seconds) - now).total_seconds()))


def wait_message(seconds: int) -> str:
    if seconds >= 120:
        minutes = math.ceil(seconds / 60)
        return ngettext("Slow mode: you can post again in %(num)d minute.",
                        "Slow mode: you can post again in %(num)d minutes.", minutes)
    return ngettext("Slow mode: you can post again in %(num)d second.",
                    "Slow mode: you can post again in %(num)d seconds.", seconds)


def describe(applying: Applying) -> str:
    """The notice near the reply box."""
    seconds = applying.seconds
    if seconds % 60 == 0:
        return ngettext("Slow mode is on: each member may post once every %(num)d minute.",
                        "Slow mode is on: each member may post once every %(num)d minutes.", seconds // 60)
    return ngettext("Slow mode is on: each member may post once every %(num)d second.",
                    "Slow mode is on: each member may post once every %(num)d seconds.", seconds)


# --- starting and stopping -------------------------------------------------------------------------

def _check(seconds: int, until: datetime | None) -> None:
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        raise ValidationFailed({"seconds": _("Choose between %(low)d and %(high)d seconds.",
                                             low=MIN_SECONDS, high=MAX_SECONDS)})
    if until is not None and until <= utcnow():
        raise ValidationFailed({"until": _("Choose a time in the future.")})


def current(*, topic: Topic | None = None, category: Category | None = None) -> SlowMode | None:
    """The slow mode set on this topic or this category itself (not what applies), or None."""
    column, value = (SlowMode.topic_id, topic.id) if topic is not None else (SlowMode.category_id, category.id)  # type: ignore[union-attr]
    return db.session.scalar(select(SlowMode).where(column == value))


def start(actor: Any, seconds: int, until: datetime | None, *, topic: Topic | None = None,
          category: Category | None = None) -> SlowMode:
    """Start (or change) slow mode on a topic or a category; audited, committed."""
    _check(seconds, until)
    row = current(topic=topic, category=category)
    before = {"seconds": row.seconds, "until": _iso(row.until)} if row is not None else None
    if row is None:
        row = SlowMode(topic_id=topic.id if topic is not None else None,
                       category_id=category.id if category is not None else None,
                       seconds=seconds, until=until, started_by_id=actor.id, created_at=utcnow())
        db.session.add(row)
    else:
        row.seconds, row.until, row.started_by_id, row.created_at = seconds, until, actor.id, utcnow()
    target_type, target_id = ("topic", topic.id) if topic is not None else ("category", category.id)  # type: ignore[union-attr]
    record_action(actor, "crisis.slow_mode_start", target_type, target_id, before=before,
                  after={"seconds": seconds, "until": _iso(until)})
    db.session.commit()
    return row


def stop(actor: Any, *, topic: Topic | None = None, category: Category | None = None) -> bool:
    row = current(topic=topic, category=category)
    if row is None:
        return False
    target_type, target_id = ("topic", topic.id) if topic is not None else ("category", category.id)  # type: ignore[union-attr]
    record_action(actor, "crisis.slow_mode_stop", target_type, target_id,
                  before={"seconds": row.seconds, "until": _iso(row.until)}, after=None)
    db.session.delete(row)
    db.session.commit()
    return True


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
