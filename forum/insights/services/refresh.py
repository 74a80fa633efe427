"""Filling the statistics tables: one day at a time, idempotent (a day's rows are replaced as a
whole in one transaction, so running twice gives the same rows).

Every figure is a GROUP BY over one day's rows, using the indexes on ``created_at``; only the
per-day results (a few rows per category × language, a few hundred per-topic durations) are
handled in Python. The periodic job refreshes today and yesterday every ten minutes; a nightly
run refreshes the last :data:`SETTLE_DAYS` days, because answers, solutions and review decisions
arrive after the day a topic started.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, delete, distinct, func, insert, literal, select, union

from forum.accounts.models import User, staff_clause
from forum.db_types import UTCDateTime, utcnow
from forum.discussions.models import Category, Post, PostReaction, PostState, Topic
from forum.extensions import db
from forum.moderation.models import Flag, ReviewItem, ReviewStatus

from ..models import (
    ALL_CATEGORIES,
    ALL_LANGUAGES,
    OVERFLOW_QUERY,
    DailyStat,
    MemberDay,
    MissedSearchDay,
    SearchDay,
    TopEntry,
)

REFRESH_JOB = "insights.refresh"
SETTLE_DAYS = 30
TOP_PER_DAY = 20
MISSED_PER_DAY = 100
Key = tuple[int, str]  # (category id or 0, language or '')


def day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start, start + timedelta(days=1)


def _at(value: datetime) -> Any:
    return literal(value, UTCDateTime)


def _keys(category_id: int | None, language: str | None) -> list[Key]:
    """The four groupings one (category, language) pair counts towards."""
    cat, lang = category_id or ALL_CATEGORIES, (language or ALL_LANGUAGES)[:8]
    keys = {(ALL_CATEGORIES, ALL_LANGUAGES), (cat, ALL_LANGUAGES), (ALL_CATEGORIES, lang), (cat, lang)}
    return sorted(keys)


@dataclass
class _Day:
    figures: dict[Key, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    active: dict[Key, set[int]] = field(default_factory=lambda: defaultdict(set))
    review_waits: dict[Key, list[int]] = field(default_factory=lambda: defaultdict(list))
    members: dict[Key, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    topics: dict[Key, dict[int, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))

    def add(self, category_id: int | None, language: str | None, name: str, amount: int) -> None:
        for key in _keys(category_id, language):
            self.figures[key][name] += amount


def refresh_day(day: date, now: datetime | None = None) -> None:
    """Recompute every statistics row of ``day`` and commit."""
    now = now or utcnow()
    start, end = day_bounds(day)
    acc = _Day()
    _posts(acc, start, end)
    _reactions(acc, start, end)
    _topics(acc, start, end)
    _flags(acc, start, end)
    _reviews(acc, start, end)
    _new_members(acc, start, end)
    _searches(acc, day)
    _note_active_members(day, start, end)
    weekly, monthly, daily = _distinct_active(day)
    acc.figures[(ALL_CATEGORIES, ALL_LANGUAGES)]  # the whole forum's row exists even on a quiet day
    rows = []
    for key, figures in acc.figures.items():
        waits = acc.review_waits.get(key, [])
        whole = key == (ALL_CATEGORIES, ALL_LANGUAGES)
        rows.append({
            "day": day, "category_id": key[0], "language": key[1], **figures,
            "active_members": daily if whole else len(acc.active.get(key, ())),
            "active_weekly": weekly if whole else None, "active_monthly": monthly if whole else None,
            "review_median_seconds": int(statistics.median(waits)) if waits else None, "refreshed_at": now})
    tops = [{"day": day, "kind": kind, "category_id": key[0], "language": key[1], "subject_id": subject,
             "posts": count}
            for kind, table in (("member", acc.members), ("topic", acc.topics))
            for key, counts in table.items()
            for subject, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_PER_DAY]]
    missed = _missed_searches(day)
    db.session.execute(delete(DailyStat).where(DailyStat.day == day))
    db.session.execute(delete(TopEntry).where(TopEntry.day == day))
    db.session.execute(delete(MissedSearchDay).where(MissedSearchDay.day == day))
    db.session.execute(insert(DailyStat), rows)
    if tops:
        db.session.execute(insert(TopEntry), tops)
    if missed:
        db.session.execute(insert(MissedSearchDay), missed)
    db.session.commit()


def refresh_days(days: Iterable[date], now: datetime | None = None) -> int:
    count = 0
    for day in days:
        refresh_day(day, now)
        count += 1
    return count


def recent_days(count: int, today: date | None = None) -> list[date]:
    """The last ``count`` days ending today, oldest first (so weekly figures build on notes)."""
    today = today or utcnow().date()
    return [today - timedelta(days=i) for i in range(count - 1, -1, -1)]


def _published_posts(start: datetime, end: datetime) -> list[Any]:
    return [Post.state == PostState.PUBLISHED, Post.created_at >= _at(start), Post.created_at < _at(end)]


def _posts(acc: _Day, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        select(Post.user_id, Post.topic_id, Topic.category_id, Post.language, func.count())
        .join(Topic, Topic.id == Post.topic_id).where(*_published_posts(start, end))
        .group_by(Post.user_id, Post.topic_id, Topic.category_id, Post.language))
    for user_id, topic_id, category_id, language, count in rows:
        acc.add(category_id, language, "posts", count)
        for key in _keys(category_id, language):
            acc.topics[key][topic_id] += count
            if user_id is not None:
                acc.active[key].add(user_id)
                acc.members[key][user_id] += count


def _reactions(acc: _Day, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        select(PostReaction.user_id, Topic.category_id, Post.language, func.count())
        .join(Post, Post.id == PostReaction.post_id).join(Topic, Topic.id == Post.topic_id)
        .where(PostReaction.created_at >= _at(start), PostReaction.created_at < _at(end))
        .group_by(PostReaction.user_id, Topic.category_id, Post.language))
    for user_id, category_id, language, count in rows:
        acc.add(category_id, language, "likes", count)
        for key in _keys(category_id, language):
            acc.active[key].add(user_id)


def _topics(acc: _Day, start: datetime, end: datetime) -> None:
    """Topics started that day; of the question topics, those solved (so far); of the topics
    members started, those staff answered and how long it took (as the staff page counts)."""
    by_member = Topic.user_id.in_(select(User.id).where(~staff_clause()))
    rows = db.session.execute(
        select(Topic.category_id, Topic.language, Category.is_questions, Topic.solution_post_id.is_not(None),
               by_member, Topic.created_at, Topic.first_staff_reply_at)
        .join(Category, Category.id == Topic.category_id)
        .where(Topic.state == PostState.PUBLISHED, Topic.created_at >= _at(start), Topic.created_at < _at(end)))
    for category_id, language, is_questions, solved, member_started, created, answered in rows:
        acc.add(category_id, language, "topics", 1)
        if is_questions:
            acc.add(category_id, language, "questions", 1)
            acc.add(category_id, language, "solved", int(bool(solved)))
        if member_started:
            acc.add(category_id, language, "member_topics", 1)
            if answered is not None:
                acc.add(category_id, language, "responded", 1)
                acc.add(category_id, language, "response_seconds", max(0, int((answered - created).total_seconds())))


def _flags(acc: _Day, start: datetime, end: datetime) -> None:
    rows = db.session.execute(
        select(Topic.category_id, Post.language, func.count()).select_from(Flag)
        .join(Post, Post.id == Flag.post_id).join(Topic, Topic.id == Post.topic_id)
        .where(Flag.created_at >= _at(start), Flag.created_at < _at(end))
        .group_by(Topic.category_id, Post.language))
    for category_id, language, count in rows:
        acc.add(category_id, language, "flags", count)


def _reviews(acc: _Day, start: datetime, end: datetime) -> None:
    """Review items decided that day and how long each waited (created → resolved)."""
    rows = db.session.execute(
        select(ReviewItem.category_id, Post.language, ReviewItem.created_at, ReviewItem.resolved_at)
        .outerjoin(Post, Post.id == ReviewItem.post_id)
        .where(ReviewItem.status == ReviewStatus.RESOLVED, ReviewItem.resolved_at >= _at(start),
               ReviewItem.resolved_at < _at(end)))
    for category_id, language, created, resolved in rows:
        wait = max(0, int((resolved - created).total_seconds())) if resolved is not None else 0
        acc.add(category_id, language, "reviews_decided", 1)
        acc.add(category_id, language, "review_seconds", wait)
        for key in _keys(category_id, language):
            acc.review_waits[key].append(wait)


def _new_members(acc: _Day, start: datetime, end: datetime) -> None:
    """Members who joined that day, by the language they chose (or their browser's)."""
    language = func.coalesce(User.locale, User.browser_locale, "")
    rows = db.session.execute(select(language, func.count()).where(
        User.created_at >= _at(start), User.created_at < _at(end)).group_by(language))
    for lang, count in rows:
        for key in {(ALL_CATEGORIES, ALL_LANGUAGES), (ALL_CATEGORIES, (lang or "")[:8])}:
            acc.figures[key]["new_members"] += count


def _searches(acc: _Day, day: date) -> None:
    rows = db.session.execute(select(SearchDay.language, func.sum(SearchDay.searches), func.sum(SearchDay.no_results))
                              .where(SearchDay.day == day).group_by(SearchDay.language))
    for lang, searches, empty in rows:
        for key in {(ALL_CATEGORIES, ALL_LANGUAGES), (ALL_CATEGORIES, lang or "")}:
            acc.figures[key]["searches"] += int(searches or 0)
            acc.figures[key]["searches_no_results"] += int(empty or 0)


def _missed_searches(day: date) -> list[dict[str, Any]]:
    """The day's most frequent searches with no results, per language and all together."""
    rows = db.session.execute(select(SearchDay.query, SearchDay.language, SearchDay.searches, SearchDay.no_results)
                              .where(SearchDay.day == day, SearchDay.no_results > 0,
                                     SearchDay.query != OVERFLOW_QUERY))
    by_key: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for query, language, searches, empty in rows:
        for lang in {ALL_LANGUAGES, language or ALL_LANGUAGES}:
            counts = by_key[(lang, query)]
            counts[0] += searches
            counts[1] += empty
    per_language: dict[str, list[tuple[str, list[int]]]] = defaultdict(list)
    for (lang, query), counts in by_key.items():
        per_language[lang].append((query, counts))
    return [{"day": day, "language": lang, "query": query, "searches": counts[0], "no_results": counts[1]}
            for lang, entries in per_language.items()
            for query, counts in sorted(entries, key=lambda e: (-e[1][1], e[0]))[:MISSED_PER_DAY]]


def _note_active_members(day: date, start: datetime, end: datetime) -> None:
    """Adds the members who posted, reacted or (seen now) visited on ``day`` to the member days;
    visits leave no trace but ``last_seen_at``, so a past day keeps the visitors noted then."""
    active = union(
        select(Post.user_id.label("user_id")).where(*_published_posts(start, end), Post.user_id.is_not(None)),
        select(PostReaction.user_id).where(PostReaction.created_at >= _at(start), PostReaction.created_at < _at(end)),
        select(User.id).where(User.last_seen_at >= _at(start), User.last_seen_at < _at(end)),
    ).subquery()
    known = select(MemberDay.user_id).where(MemberDay.day == day)
    db.session.execute(insert(MemberDay).from_select(
        ["day", "user_id"], select(literal(day, MemberDay.day.type), active.c.user_id)
        .where(active.c.user_id.not_in(known))))


def _distinct_active(day: date) -> tuple[int, int, int]:
    def distinct_since(days: int) -> Any:
        return (select(func.count(distinct(MemberDay.user_id)))
                .where(and_(MemberDay.day > day - timedelta(days=days), MemberDay.day <= day)).scalar_subquery())
    weekly, monthly, daily = db.session.execute(select(distinct_since(7), distinct_since(30), distinct_since(1))).one()
    return int(weekly or 0), int(monthly or 0), int(daily or 0)
