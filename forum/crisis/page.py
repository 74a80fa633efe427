"""What a topic page shows of the crisis tools, read once per request (a constant number of
queries whatever the page: the slow mode that applies, the member's wait, pending timers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from forum.dates import absolute, until
from forum.db_types import utcnow
from forum.discussions.models import Topic
from forum.extensions import db

from . import permissions, slow_mode
from .models import TimerAction, TopicTimer


@dataclass
class TopicNotices:
    slow: slow_mode.Applying | None = None
    slow_text: str = ""
    wait_seconds: int = 0
    wait_text: str = ""
    timers: list[TopicTimer] = field(default_factory=list)


def pending_timers(topic_id: int) -> list[TopicTimer]:
    return list(db.session.scalars(select(TopicTimer).where(
        TopicTimer.topic_id == topic_id, TopicTimer.done_at.is_(None), TopicTimer.cancelled_at.is_(None))
        .order_by(TopicTimer.run_at)))


def topic_notices(topic: Topic) -> TopicNotices:
    cache: dict[int, TopicNotices] = g.setdefault("crisis_topic_notices", {})
    if topic.id in cache:
        return cache[topic.id]
    notices = TopicNotices(timers=pending_timers(topic.id))
    notices.slow = slow_mode.for_topic(topic, utcnow())
    if notices.slow is not None:
        notices.slow_text = slow_mode.describe(notices.slow)
        user: Any = current_user
        if user.is_authenticated and not permissions.is_exempt(user):
            notices.wait_seconds = slow_mode.seconds_left(user, notices.slow, topic_id=topic.id,
                                                          category_id=topic.category_id)
            if notices.wait_seconds:
                notices.wait_text = slow_mode.wait_message(notices.wait_seconds)
    cache[topic.id] = notices
    return notices


def timer_sentence(timer: TopicTimer) -> str:
    """"This topic will close in 3 hours (Dec 5, 2026, 6:00 PM)." in the reader's language and zone."""
    when = until(timer.run_at - utcnow())
    at = absolute(timer.run_at)
    if timer.action == TimerAction.CLOSE:
        return _("This topic will close %(when)s (%(at)s).", when=when, at=at)
    if timer.action == TimerAction.OPEN:
        return _("This topic will open %(when)s (%(at)s).", when=when, at=at)
    if timer.action == TimerAction.UNPIN:
        return _("This topic will be unpinned %(when)s (%(at)s).", when=when, at=at)
    return ngettext("Replies older than %(num)d hour will be hidden %(when)s (%(at)s).",
                    "Replies older than %(num)d hours will be hidden %(when)s (%(at)s).",
                    timer.older_than_hours or 0, when=when, at=at)


def can_manage_category(category: Any) -> bool:
    return permissions.can_manage_category(current_user, category)
