"""Votes: the one writer of ``ideas.vote_count`` and of ``idea_votes`` rows.

Rules: one vote per member per idea (the unique constraint on (topic, member)); on a board with
a budget, a member has at most ``vote_budget`` votes on its OPEN ideas at once: votes on
shipped, declined or merged ideas no longer count against it (they are given back, as in
Discourse's Topic Voting), though the idea keeps showing them. Closed ideas take no new votes.

Over budget: staff reopening a declined or shipped idea (a status change) makes its votes count
again, which can leave a member with more votes on open ideas than the board allows (so can an
admin lowering the budget). Nothing is taken from them: their votes stay, :func:`votes_left` is
negative, the board and the idea's page say "over budget" and by how much, and they can give no
new vote on that board until they have taken back enough.

The count moves with SQL arithmetic. Lock order, the same in every writer here (vote, unvote,
merge), and compatible with :mod:`forum.discussions.counters` (topic before user): the idea's
topic row(s) in ascending id order -> their ``ideas`` rows -> the member's user row (the budget
is checked under it, so two quick votes in two tabs cannot both take the last one) -> the vote
rows. The caller never commits half: each function commits its whole write.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions.models import Topic
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db

from . import permissions
from .boards import board_of
from .models import Idea, IdeaBoard, IdeaVote
from .statuses import CLOSED

_NO_SYNC = {"synchronize_session": False}


def lock_topics(*topic_ids: int) -> None:
    """Step 1 of the lock order: the topics' rows, ascending (PostgreSQL; SQLite serialises writers)."""
    for topic_id in sorted(set(topic_ids)):
        db.session.execute(select(Topic.id).where(Topic.id == topic_id).with_for_update())


def idea_for_update(topic: Topic) -> Idea:
    """Step 2: the idea's row, made on first use (under the topic's lock: no two writers make it)."""
    idea = db.session.scalar(select(Idea).where(Idea.topic_id == topic.id).with_for_update()
                             .execution_options(populate_existing=True))
    if idea is None:
        idea = Idea(topic_id=topic.id, category_id=topic.category_id, vote_count=0, status="", status_note="",
                    status_note_raw="")
        db.session.add(idea)
        db.session.flush()
    return idea


def _lock_user(user_id: int) -> None:
    db.session.execute(select(User.id).where(User.id == user_id).with_for_update())


def votes_used(user_id: int, category_id: int) -> int:
    """The member's votes that count against the board's budget: those on open ideas."""
    return int(db.session.scalar(
        select(func.count()).select_from(IdeaVote).join(Idea, Idea.topic_id == IdeaVote.topic_id)
        .where(IdeaVote.user_id == user_id, IdeaVote.category_id == category_id, Idea.status.not_in(CLOSED))) or 0)


def votes_left(user: Any, board: IdeaBoard) -> int | None:
    """How many more votes the member may give on this board; None: no limit. Negative when the
    member is over budget (an idea reopened by staff, a budget lowered): they must take back that
    many votes, and one more, before voting again."""
    if not board.vote_budget or not user.is_authenticated:
        return None
    return board.vote_budget - votes_used(user.id, board.category_id)


def has_voted(user: Any, topic_id: int) -> bool:
    if not user.is_authenticated:
        return False
    return db.session.scalar(select(IdeaVote.id).where(IdeaVote.topic_id == topic_id,
                                                       IdeaVote.user_id == user.id)) is not None


def _board_for(user: Any, topic: Topic) -> IdeaBoard:
    board = board_of(topic.category_id)
    if board is None:
        raise NotFound()
    if not permissions.can_vote(user, topic):
        raise PermissionDenied()
    return board


def bump(topic_id: int, by: int) -> None:
    """The one change of ``ideas.vote_count`` (SQL arithmetic, on a row locked by the caller)."""
    if by:
        db.session.execute(update(Idea).where(Idea.topic_id == topic_id)
                           .values(vote_count=Idea.vote_count + by), execution_options=_NO_SYNC)
        obj = db.session.get(Idea, topic_id)
        if obj is not None:
            db.session.expire(obj, ["vote_count"])


def vote(user: Any, topic: Topic) -> Idea:
    """Give the member's vote to the idea (a second vote is refused with a message)."""
    board = _board_for(user, topic)
    try:
        lock_topics(topic.id)
        idea = idea_for_update(topic)
        if idea.status in CLOSED:
            raise ValidationFailed(_("This idea no longer takes votes."))
        _lock_user(user.id)
        if has_voted(user, topic.id):
            raise ValidationFailed(_("You already voted for this idea."))
        if board.vote_budget and votes_used(user.id, board.category_id) >= board.vote_budget:
            raise ValidationFailed(_("You have no votes left on this board. Take back a vote to give it to "
                                     "this idea; votes on shipped and declined ideas come back to you."))
        db.session.execute(insert(IdeaVote).values(topic_id=topic.id, user_id=user.id, category_id=topic.category_id,
                                                   created_at=utcnow()))
        bump(topic.id, 1)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return idea


def unvote(user: Any, topic: Topic) -> Idea:
    """Take the member's vote back."""
    _board_for(user, topic)
    try:
        lock_topics(topic.id)
        idea = idea_for_update(topic)
        if idea.status in CLOSED:
            raise ValidationFailed(_("This idea no longer takes votes."))
        _lock_user(user.id)
        removed = db.session.execute(delete(IdeaVote).where(IdeaVote.topic_id == topic.id,
                                                            IdeaVote.user_id == user.id), execution_options=_NO_SYNC)
        if not getattr(removed, "rowcount", 0):
            raise ValidationFailed(_("You have not voted for this idea."))
        bump(topic.id, -1)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return idea


def voter_ids(topic_id: int) -> list[int]:
    return list(db.session.scalars(select(IdeaVote.user_id).where(IdeaVote.topic_id == topic_id)
                                   .order_by(IdeaVote.user_id)))


class IdeasFollowTopics:
    """Told by discussions' topic tools (inside their transaction) that a topic changed category:
    its idea and votes follow, so a budget counts the votes on the board the idea is in now (an
    idea moved out of every board keeps its votes, dormant, until it is moved back)."""

    def topic_moved(self, topic_id: int, category_id: int) -> None:
        db.session.execute(update(Idea).where(Idea.topic_id == topic_id).values(category_id=category_id),
                           execution_options=_NO_SYNC)
        db.session.execute(update(IdeaVote).where(IdeaVote.topic_id == topic_id).values(category_id=category_id),
                           execution_options=_NO_SYNC)

    def posts_moved(self, post_ids: Sequence[int], topic_id: int, category_id: int) -> None:
        """Posts moving between topics change no idea (a merged topic's votes stay where they were)."""
