"""Staff response times: per-topic times, topics awaiting a staff reply (keyset pages), the
median / 90th percentile figures and the weekly series, all in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import floor
from typing import Any

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select
from sqlalchemy.orm import joinedload

from forum import pagination
from forum.accounts.models import Role, User
from forum.db_types import UTCDateTime, utcnow
from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Category, PostState, Topic
from forum.errors import PermissionDenied
from forum.extensions import db
from forum.settings import get_setting

from .. import permissions


def time_to_first_staff_reply(topic: Topic) -> timedelta | None:
    if topic.first_staff_reply_at is None:
        return None
    return topic.first_staff_reply_at - topic.created_at


def time_to_first_official_reply(topic: Topic) -> timedelta | None:
    if topic.first_official_reply_at is None:
        return None
    return topic.first_official_reply_at - topic.created_at


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _seconds_between(later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds, as SQL (both are aware UTC columns or literals)."""
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _when(value: datetime) -> Any:
    return literal(value, UTCDateTime)


def _awaiting_scope(viewer: Any, category_id: int | None) -> list[Any]:
    """Topics members started (staff-started topics await no one) in categories ``viewer`` reads."""
    conditions: list[Any] = [
        Topic.state == PostState.PUBLISHED,
        Topic.category_id.in_(discussion_permissions.readable_category_ids(viewer)),
        or_(Topic.user_id.is_(None),
            Topic.user_id.in_(select(User.id).where(User.is_staff_member.is_(False),
                                                     User.role == Role.MEMBER))),
    ]
    if category_id:
        conditions.append(Topic.category_id == category_id)
    return conditions


@dataclass
class AwaitingPage:
    topics: list[Topic]
    next_cursor: str | None


def _cursor(topic: Topic) -> str:
    return pagination.encode_cursor(topic.created_at, topic.id)


def awaiting_staff_response(viewer: Any, *, category_id: int | None = None, cursor: str | None = None,
                            per_page: int | None = None) -> AwaitingPage:
    """Topics no staff member has answered yet, oldest first; keyset-paginated on (created_at, id).

    A cursor we did not make raises ``pagination.InvalidCursor`` (400 Bad Request)."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    per_page = per_page or current_app.config.get("TOPICS_PER_PAGE", 30)
    query = (select(Topic).options(joinedload(Topic.category), joinedload(Topic.author))
             .where(Topic.first_staff_reply_at.is_(None), *_awaiting_scope(viewer, category_id)))
    position = pagination.decode_cursor(cursor)
    if position is not None:
        query = query.where(pagination.after(Topic.created_at, Topic.id, position, descending=False))
    rows = list(db.session.scalars(query.order_by(Topic.created_at, Topic.id).limit(per_page + 1)))
    page = pagination.page_of(rows, per_page, _cursor)
    return AwaitingPage(topics=page.items, next_cursor=page.next_cursor)


def awaiting_staff_count(viewer: Any) -> int:
    """How many topics :func:`awaiting_staff_response` lists for ``viewer`` (one query)."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    return int(db.session.scalar(select(func.count()).select_from(Topic).where(
        Topic.first_staff_reply_at.is_(None), *_awaiting_scope(viewer, None))) or 0)


@dataclass
class Figures:
    """Staff response figures for topics started in the last ``days`` days."""

    days: int
    topics: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None
    within_target: int
    target_base: int       # topics that had the full target time to be answered (or were answered)
    questions: int
    solved: int
    target_hours: int

    @property
    def within_target_pct(self) -> float | None:
        return 100.0 * self.within_target / self.target_base if self.target_base else None

    @property
    def solved_pct(self) -> float | None:
        return 100.0 * self.solved / self.questions if self.questions else None


def response_target_hours() -> int:
    try:
        return max(1, int(get_setting("staff_response_target_hours") or 24))
    except (TypeError, ValueError):
        return 24


def response_figures(viewer: Any, *, category_id: int | None = None, now: datetime | None = None,
                     windows: tuple[int, ...] = (7, 30, 90)) -> list[Figures]:
    """Median / 90th percentile time to first staff reply (over answered topics), share answered
    within the target (24 h by default; unanswered topics younger than that are left out: they
    may still make it) and share of question topics solved. Three queries per window, whatever
    the number of topics."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    now = now or utcnow()
    target_hours = response_target_hours()
    target = target_hours * 3600
    wait = _seconds_between(Topic.first_staff_reply_at, Topic.created_at)
    out: list[Figures] = []
    for days in windows:
        scope = [*_awaiting_scope(viewer, category_id), Topic.created_at >= _when(now - timedelta(days=days)),
                 Topic.created_at < _when(now)]
        answered_cond = Topic.first_staff_reply_at.is_not(None)
        young = Topic.created_at > _when(now - timedelta(hours=target_hours))
        row = db.session.execute(
            select(func.count(Topic.id),
                   func.sum(case((answered_cond, 1), else_=0)),
                   func.sum(case((and_(answered_cond, wait <= target), 1), else_=0)),
                   func.sum(case((or_(answered_cond, ~young), 1), else_=0)),
                   func.sum(case((Category.is_questions.is_(True), 1), else_=0)),
                   func.sum(case((and_(Category.is_questions.is_(True), Topic.solution_post_id.is_not(None)),
                                  1), else_=0)))
            .join(Category, Category.id == Topic.category_id).where(*scope)).one()
        total, answered, within, base, questions, solved = (int(v or 0) for v in row)
        durations = select(wait.label("wait")).where(*scope, answered_cond)
        out.append(Figures(days=days, topics=total, answered=answered,
                           median_seconds=_percentile(durations, answered, 0.5),
                           p90_seconds=_percentile(durations, answered, 0.9),
                           within_target=within, target_base=base, questions=questions, solved=solved,
                           target_hours=target_hours))
    return out


def _percentile(durations: Any, n: int, p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont), portable:
    an ORDER BY ... LIMIT 2 OFFSET k on the matching rows."""
    if n <= 0:
        return None
    pos = p * (n - 1)
    lo = floor(pos)
    sub = durations.subquery()
    values = [float(v) for v in db.session.scalars(select(sub.c.wait).order_by(sub.c.wait)
                                                   .offset(lo).limit(2))]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (pos - lo)


@dataclass
class WeekPoint:
    start: datetime
    topics: int
    within_target: int

    @property
    def pct(self) -> float | None:
        return 100.0 * self.within_target / self.topics if self.topics else None


def weekly_series(viewer: Any, *, weeks: int = 12, category_id: int | None = None,
                  now: datetime | None = None) -> list[WeekPoint]:
    """Per week (the last ``weeks`` 7-day spans ending now): topics started and how many got a
    staff reply within the target. One GROUP BY query."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    now = now or utcnow()
    start = now - timedelta(weeks=weeks)
    target = response_target_hours() * 3600
    offset = _seconds_between(Topic.created_at, _when(start)) / 604800
    bucket = (func.floor(offset) if _dialect() == "postgresql" else cast(offset, Integer)).label("bucket")
    wait = _seconds_between(Topic.first_staff_reply_at, Topic.created_at)
    rows = db.session.execute(
        select(bucket, func.count(Topic.id),
               func.sum(case((and_(Topic.first_staff_reply_at.is_not(None), wait <= target), 1), else_=0)))
        .where(*_awaiting_scope(viewer, category_id), Topic.created_at >= _when(start),
               Topic.created_at < _when(now))
        .group_by(bucket)).all()
    counts = {int(b): (int(n or 0), int(w or 0)) for b, n, w in rows}
    return [WeekPoint(start=start + timedelta(weeks=i), topics=counts.get(i, (0, 0))[0],
                      within_target=counts.get(i, (0, 0))[1]) for i in range(weeks)]



def staff_categories(viewer: Any) -> list[Category]:
    ids = discussion_permissions.readable_category_ids(viewer)
    return list(db.session.scalars(select(Category).where(Category.id.in_(ids))
                                   .order_by(Category.position, Category.name)))
