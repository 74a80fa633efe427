"""Topic timers: close, open, unpin, or hide the replies older than N hours, at a time.

A periodic job (``crisis.run_timers``, every minute) runs the due ones. Each timer is claimed
with one conditional UPDATE (``done_at`` set where it was empty) in the same transaction as its
action, so a job that runs twice, or two workers at once, act once, and a failed action leaves
the timer pending. Hiding goes through moderation's hide (never a hard delete):
the replies can be restored one by one. The action is taken as the staff member who set the
timer (their rank rules still apply; if they lost it, the outcome says so).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Post, PostState, Topic
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.moderation import services as moderation

from .models import TimerAction, TopicTimer

log = logging.getLogger(__name__)

RUN_JOB = "crisis.run_timers"
MAX_HIDE_HOURS = 24 * 365
ACTION_LABELS = {TimerAction.CLOSE: _l("Close the topic"), TimerAction.OPEN: _l("Open the topic"),
                 TimerAction.UNPIN: _l("Unpin the topic"),
                 TimerAction.HIDE_REPLIES: _l("Hide replies older than N hours")}


def add_timer(actor: Any, topic: Topic, action: str, run_at: datetime | None,
              older_than_hours: int | None = None) -> TopicTimer:
    if action not in TimerAction.__members__.values():
        raise ValidationFailed({"action": _("Choose an action from the list.")})
    if run_at is None or run_at <= utcnow():
        raise ValidationFailed({"run_at": _("Choose a time in the future.")})
    if action == TimerAction.HIDE_REPLIES and not (older_than_hours and 1 <= older_than_hours <= MAX_HIDE_HOURS):
        raise ValidationFailed({"older_than_hours": _("Say how old, in hours (at least 1), a reply must be to be "
                                                      "hidden.")})
    timer = TopicTimer(topic_id=topic.id, action=action, run_at=run_at, created_by_id=actor.id,
                       older_than_hours=older_than_hours if action == TimerAction.HIDE_REPLIES else None)
    db.session.add(timer)
    db.session.flush()
    record_action(actor, "crisis.timer_add", "topic", topic.id, after=_summary(timer))
    db.session.commit()
    return timer


def cancel_timer(actor: Any, timer: TopicTimer) -> bool:
    if timer.done_at is not None or timer.cancelled_at is not None:
        return False
    timer.cancelled_at = utcnow()
    record_action(actor, "crisis.timer_cancel", "topic", timer.topic_id, before=_summary(timer))
    db.session.commit()
    return True


def _summary(timer: TopicTimer) -> dict[str, Any]:
    return {"timer": timer.id, "action": timer.action, "run_at": timer.run_at.isoformat(),
            "older_than_hours": timer.older_than_hours}


def run_due(now: datetime | None = None) -> int:
    """Run every due timer once; returns how many this call ran.

    A timer's claim (``done_at``), its action and its outcome are one transaction: a crash or an
    unexpected error rolls all of it back, so the timer stays pending and the next minute's run
    tries again (logged each time; there is no cap: a manager sees it still pending on the
    topic's tools and may cancel it). An action that is refused (nothing to change, no longer
    allowed) is an outcome, not an error: the timer is done and says so."""
    now = now or utcnow()
    due = list(db.session.scalars(select(TopicTimer.id).where(
        TopicTimer.done_at.is_(None), TopicTimer.cancelled_at.is_(None), TopicTimer.run_at <= now)
        .order_by(TopicTimer.run_at)))
    db.session.rollback()  # end the read: each timer gets its own transaction
    ran = 0
    for timer_id in due:
        try:
            ran += _run_one(timer_id, now)
        except Exception:
            db.session.rollback()
            log.exception("topic timer %s failed; it stays pending and is tried again next minute", timer_id)
    return ran


def _claim(timer_id: int, now: datetime) -> TopicTimer | None:
    """The pending timer, locked for this transaction (PostgreSQL: FOR UPDATE SKIP LOCKED, so a
    second worker passes it by), marked done in the same transaction as its action."""
    timer = db.session.scalars(select(TopicTimer).where(
        TopicTimer.id == timer_id, TopicTimer.done_at.is_(None), TopicTimer.cancelled_at.is_(None))
        .with_for_update(skip_locked=True).execution_options(populate_existing=True)).first()
    if timer is None:
        return None
    claimed = db.session.execute(update(TopicTimer).where(
        TopicTimer.id == timer_id, TopicTimer.done_at.is_(None), TopicTimer.cancelled_at.is_(None))
        .values(done_at=now, outcome="done").execution_options(synchronize_session=False))
    return timer if claimed.rowcount else None  # type: ignore[attr-defined]


def _run_one(timer_id: int, now: datetime) -> int:
    timer = _claim(timer_id, now)
    if timer is None:
        db.session.rollback()
        return 0  # another run took it
    try:
        outcome = _act(timer, now)  # commits the claim with the action
    except (ValidationFailed, PermissionDenied) as exc:
        db.session.rollback()
        timer = _claim(timer_id, now)
        if timer is None:
            db.session.rollback()
            return 0
        outcome = "nothing to change" if isinstance(exc, ValidationFailed) else "skipped: not allowed any more"
    _finish(timer_id, outcome)
    return 1


def _finish(timer_id: int, outcome: str) -> None:
    db.session.execute(update(TopicTimer).where(TopicTimer.id == timer_id).values(outcome=outcome[:200])
                       .execution_options(synchronize_session=False))
    db.session.commit()


def _act(timer: TopicTimer, now: datetime) -> str:
    """Take the timer's action in the open transaction (which holds the claim) and commit it."""
    actor = db.session.get(User, timer.created_by_id) if timer.created_by_id else None
    topic = timer.topic
    if actor is None or topic is None:
        return "skipped: no one to act as"
    reason = "topic timer"
    if timer.action == TimerAction.CLOSE:
        discussions.lock_topic(actor, topic, True, reason)
    elif timer.action == TimerAction.OPEN:
        discussions.lock_topic(actor, topic, False, reason)
    elif timer.action == TimerAction.UNPIN:
        discussions.unpin_topic(actor, topic, reason)
    elif timer.action == TimerAction.HIDE_REPLIES:
        return f"hid {_hide_replies(actor, topic, now - timedelta(hours=timer.older_than_hours or 0))}"
    return "done"


def _hide_replies(actor: User, topic: Topic, before: datetime) -> int:
    """Hide every published reply older than ``before``: all of them or none (one commit).
    Moderation's hide (its staged step: state through the counters, audit, the author's
    notice, the post's open queue item), never a delete; the rank rule applies to each post."""
    posts = list(db.session.scalars(select(Post).where(
        Post.topic_id == topic.id, Post.post_number > 1, Post.state == PostState.PUBLISHED,
        Post.created_at < before).order_by(Post.post_number)))
    return moderation.hide_posts(actor, posts, moderation.stored(lambda: _("Hidden by a topic timer.")))


def handle_run(payload: dict[str, Any]) -> None:
    run_due()


def get_timer(timer_id: int) -> TopicTimer | None:
    return db.session.get(TopicTimer, timer_id)
