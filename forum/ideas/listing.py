"""What pages read: a board's list (by votes, trending, newest), the "Ideas by status" page,
and the chips topic lists and topic pages show. Each is a constant number of statements.

Orders (ties: the newer idea first):

* ``votes``: the idea's votes (``ideas.vote_count``);
* ``trending``: votes given in the last :data:`TRENDING_DAYS` days (a vote taken back no longer
  counts; ideas without recent votes follow, by id);
* ``newest``: when the topic was opened.

Keyset pagination through :mod:`forum.pagination`'s codec: ``newest`` pages on
``(created_at, topic id)``, the two vote orders and the status page on ``(count, topic id)``
(the codec's integer-key cursor).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import g, has_request_context
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from forum.db_types import utcnow
from forum.discussions.models import Category, PostState, ReadAccess, Topic
from forum.discussions.permissions import readable_accesses, visible_topic_sql
from forum.extensions import db
from forum.pagination import Page, after, decode_count_cursor, decode_cursor, encode_count_cursor, encode_cursor

from .boards import board_ids
from .models import Idea, IdeaVote
from .statuses import MERGED, STATUSES

ORDERS = ("votes", "trending", "newest")
TRENDING_DAYS = 7
PER_PAGE = 30
PER_STATUS = 10  # the /ideas page: the top ideas of each status (a status filter pages through all)


@dataclass
class IdeaRow:
    topic: Topic
    votes: int
    status: str
    score: int = 0  # what the list is sorted by (votes, or recent votes)


@dataclass
class StatusGroup:
    status: str
    rows: list[IdeaRow] = field(default_factory=list)


def _recent_votes() -> Any:
    since = utcnow() - timedelta(days=TRENDING_DAYS)
    return (select(IdeaVote.topic_id, func.count().label("recent")).where(IdeaVote.created_at >= since)
            .group_by(IdeaVote.topic_id).subquery("recent_votes"))


def board_page(user: Any, category: Category, order: str = "votes", cursor: str | None = None,
               per_page: int = PER_PAGE) -> Page[IdeaRow]:
    """One page of a board's ideas the reader may see (one statement)."""
    order = order if order in ORDERS else "votes"
    votes = func.coalesce(Idea.vote_count, 0)
    query = (select(Topic, votes, func.coalesce(Idea.status, ""))
             .outerjoin(Idea, Idea.topic_id == Topic.id)
             .where(Topic.category_id == category.id, visible_topic_sql(user),
                    or_(Idea.status.is_(None), Idea.status != MERGED))
             .options(joinedload(Topic.author)))
    if order == "newest":
        position = decode_cursor(cursor)
        if position is not None:
            query = query.where(after(Topic.created_at, Topic.id, position, descending=True))
        rows = db.session.execute(query.order_by(Topic.created_at.desc(), Topic.id.desc()).limit(per_page + 1)).all()
        items = [IdeaRow(row[0], int(row[1]), str(row[2]), 0) for row in rows]
        return Page(items[:per_page], encode_cursor(items[per_page - 1].topic.created_at, items[per_page - 1].topic.id)
                    if len(items) > per_page else None)
    if order == "trending":
        recent = _recent_votes()
        score = func.coalesce(recent.c.recent, 0)
        query = query.outerjoin(recent, recent.c.topic_id == Topic.id)
    else:
        score = votes
    count_position = decode_count_cursor(cursor)
    if count_position is not None:
        query = query.where(after(score, Topic.id, count_position, descending=True))
    scored: list[Any] = list(db.session.execute(query.add_columns(score).order_by(score.desc(), Topic.id.desc())
                                                .limit(per_page + 1)).all())
    items = [IdeaRow(t, int(v), str(s), int(sc)) for t, v, s, sc in scored]
    last = items[per_page - 1] if len(items) > per_page else None
    return Page(items[:per_page], encode_count_cursor(last.score, last.topic.id) if last else None)


def _public_boards_sql(user: Any, board: int | None) -> Any:
    """Boards this page lists: readable by ``user``, never staff-only ones (the product team's
    bookmark shows what the community sees; staff drafts stay out)."""
    accesses = [a for a in readable_accesses(user) if a != ReadAccess.STAFF]
    ids = sorted(board_ids() if board is None else board_ids() & {board})
    return and_(Topic.category_id.in_(select(Category.id).where(Category.read_access.in_(accesses),
                                                                Category.id.in_(ids))),
                Topic.state == PostState.PUBLISHED, visible_topic_sql(user))


def by_status(user: Any, *, board: int | None = None) -> list[StatusGroup]:
    """The top ideas of each status (by votes), in one statement (a window per status)."""
    rank = func.row_number().over(partition_by=Idea.status, order_by=(Idea.vote_count.desc(), Idea.topic_id.desc()))
    inner = (select(Idea.topic_id, Idea.status, Idea.vote_count, rank.label("rank"))
             .join(Topic, Topic.id == Idea.topic_id)
             .where(Idea.status.in_(STATUSES), _public_boards_sql(user, board)).subquery("ranked"))
    rows = db.session.execute(select(Topic, inner.c.vote_count, inner.c.status)
                              .join(inner, inner.c.topic_id == Topic.id)
                              .where(inner.c.rank <= PER_STATUS)
                              .options(joinedload(Topic.category))
                              .order_by(inner.c.vote_count.desc(), Topic.id.desc())).all()
    groups = {status: StatusGroup(status) for status in STATUSES}
    for topic, votes, status in rows:
        groups[str(status)].rows.append(IdeaRow(topic, int(votes), str(status), int(votes)))
    return list(groups.values())


def of_status(user: Any, status: str, *, board: int | None = None, cursor: str | None = None,
              per_page: int = PER_PAGE) -> Page[IdeaRow]:
    """Every idea of one status, by votes, a keyset page at a time."""
    query = (select(Topic, Idea.vote_count).join(Idea, Idea.topic_id == Topic.id)
             .where(Idea.status == status, _public_boards_sql(user, board)).options(joinedload(Topic.category)))
    position = decode_count_cursor(cursor)
    if position is not None:
        query = query.where(after(Idea.vote_count, Topic.id, position, descending=True))
    rows = db.session.execute(query.order_by(Idea.vote_count.desc(), Topic.id.desc()).limit(per_page + 1)).all()
    items = [IdeaRow(t, int(v), status, int(v)) for t, v in rows]
    last = items[per_page - 1] if len(items) > per_page else None
    return Page(items[:per_page], encode_count_cursor(last.votes, last.topic.id) if last else None)


# --- chips on discussions' topic lists ---------------------------------------------------------------

def idea_chip(topic: Topic, topics: Sequence[Topic] = ()) -> tuple[int, str] | None:
    """(votes, status) of a topic that is an idea, for a topic list's chip: None when its
    category is no board (no query). The first call in a request loads the page's ideas in one
    statement (``topics``: the list being rendered)."""
    boards = board_ids()
    if topic.category_id not in boards:
        return None
    cache: dict[int, tuple[int, str]] = g.setdefault("ideas_chips", {}) if has_request_context() else {}
    if topic.id not in cache:
        wanted = {t.id for t in (*topics, topic) if t.category_id in boards and t.id not in cache}
        found = dict.fromkeys(wanted, (0, ""))
        for topic_id, votes, status in db.session.execute(
                select(Idea.topic_id, Idea.vote_count, Idea.status).where(Idea.topic_id.in_(wanted))):
            found[topic_id] = (int(votes), str(status))
        cache.update(found)
    return cache[topic.id]
