"""What the dashboard shows, read from the statistics tables only: a fixed number of queries
whatever the range or the size of the forum (the daily rows of the range and the period before
it, the leaders, the searches with no results, the categories of the filter)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from forum.accounts.models import User
from forum.discussions.models import Category, Topic
from forum.errors import PermissionDenied
from forum.extensions import db

from .. import permissions
from ..models import ALL_CATEGORIES, ALL_LANGUAGES, DailyStat, MissedSearchDay, TopEntry

PRESETS = (7, 30, 90)
DEFAULT_DAYS = 30
MAX_DAYS = 366
TOP_COUNT = 10
SEARCH_COUNT = 20

# The additive figures (summed over the days of a range), in the order of the CSV's columns.
SUMMED = ("new_members", "active_members", "posts", "topics", "likes", "questions", "solved", "member_topics",
          "responded", "response_seconds", "flags", "reviews_decided", "review_seconds", "searches",
          "searches_no_results")


@dataclass(frozen=True)
class Slice:
    """The range and the filters the dashboard was asked for."""

    start: date
    end: date  # inclusive
    category_id: int = ALL_CATEGORIES
    language: str = ALL_LANGUAGES

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def previous(self) -> Slice:
        """The period of the same length just before (what changes are measured against)."""
        end = self.start - timedelta(days=1)
        return Slice(end - timedelta(days=self.days - 1), end, self.category_id, self.language)

    @property
    def whole_forum(self) -> bool:
        return self.category_id == ALL_CATEGORIES and self.language == ALL_LANGUAGES


def change(current: float | None, previous: float | None) -> float | None:
    """Percentage change from ``previous`` to ``current``. From nothing to nothing is no change
    (0); from nothing to something has no percentage (None: shown as "new")."""
    if current is None or previous is None:
        return None
    if previous == 0:
        return 0.0 if current == 0 else None
    return (current - previous) * 100.0 / previous


@dataclass
class Totals:
    sums: dict[str, int]
    days: int
    active_weekly: int | None = None   # as of the range's last day (whole forum only)
    active_monthly: int | None = None

    def __getitem__(self, name: str) -> int:
        return self.sums.get(name, 0)

    @property
    def active_daily(self) -> float:
        """Average daily active members over the range."""
        return self["active_members"] / self.days if self.days else 0.0

    @property
    def solved_pct(self) -> float | None:
        return 100.0 * self["solved"] / self["questions"] if self["questions"] else None

    @property
    def responded_pct(self) -> float | None:
        return 100.0 * self["responded"] / self["member_topics"] if self["member_topics"] else None

    @property
    def mean_response_seconds(self) -> float | None:
        return self["response_seconds"] / self["responded"] if self["responded"] else None

    @property
    def mean_review_seconds(self) -> float | None:
        return self["review_seconds"] / self["reviews_decided"] if self["reviews_decided"] else None

    @property
    def no_results_pct(self) -> float | None:
        return 100.0 * self["searches_no_results"] / self["searches"] if self["searches"] else None


@dataclass(frozen=True)
class Figure:
    """One line of the summary: a value now, before, and whether up is good news."""

    key: str
    value: Callable[[Totals], float | None]
    kind: str = "count"          # count | average | percent | duration
    higher_is_better: bool = True
    whole_forum_only: bool = False


FIGURES = (
    Figure("new_members", lambda t: t["new_members"]),
    Figure("active_daily", lambda t: t.active_daily, "average"),
    Figure("active_weekly", lambda t: t.active_weekly, whole_forum_only=True),
    Figure("active_monthly", lambda t: t.active_monthly, whole_forum_only=True),
    Figure("posts", lambda t: t["posts"]),
    Figure("topics", lambda t: t["topics"]),
    Figure("likes", lambda t: t["likes"]),
    Figure("questions", lambda t: t["questions"]),
    Figure("solved_pct", lambda t: t.solved_pct, "percent"),
    Figure("responded_pct", lambda t: t.responded_pct, "percent"),
    Figure("mean_response", lambda t: t.mean_response_seconds, "duration", higher_is_better=False),
    Figure("flags", lambda t: t["flags"], higher_is_better=False),
    Figure("reviews_decided", lambda t: t["reviews_decided"]),
    Figure("mean_review", lambda t: t.mean_review_seconds, "duration", higher_is_better=False),
    Figure("searches", lambda t: t["searches"]),
    Figure("no_results_pct", lambda t: t.no_results_pct, "percent", higher_is_better=False),
)


@dataclass(frozen=True)
class SummaryLine:
    figure: Figure
    current: float | None
    previous: float | None

    @property
    def change(self) -> float | None:
        return change(self.current, self.previous)

    @property
    def direction(self) -> str:
        """up, down or flat; ``good`` says whether the direction is good news."""
        if self.current is None or self.previous is None or self.current == self.previous:
            return "flat"
        return "up" if self.current > self.previous else "down"

    @property
    def good(self) -> bool | None:
        if self.direction == "flat":
            return None
        return (self.direction == "up") == self.figure.higher_is_better


@dataclass(frozen=True)
class Leader:
    subject_id: int
    name: str
    slug: str
    posts: int


@dataclass(frozen=True)
class MissedSearch:
    query: str
    searches: int
    no_results: int


@dataclass
class Dashboard:
    slice: Slice
    days: list[date]
    series: dict[date, dict[str, int]]
    totals: Totals
    previous: Totals
    lines: list[SummaryLine]
    members: list[Leader] = field(default_factory=list)
    topics: list[Leader] = field(default_factory=list)
    missed: list[MissedSearch] = field(default_factory=list)
    refreshed_at: Any = None

    def value(self, day: date, name: str) -> int:
        return self.series.get(day, {}).get(name, 0)


def _slice_rows(s: Slice, start: date) -> list[DailyStat]:
    return list(db.session.scalars(select(DailyStat).where(
        DailyStat.category_id == s.category_id, DailyStat.language == s.language,
        DailyStat.day >= start, DailyStat.day <= s.end).order_by(DailyStat.day)))


def _totals(rows: list[DailyStat], s: Slice) -> Totals:
    sums = dict.fromkeys(SUMMED, 0)
    last: DailyStat | None = None
    for row in rows:
        if s.start <= row.day <= s.end:
            for name in SUMMED:
                sums[name] += int(getattr(row, name) or 0)
            last = row
    return Totals(sums, s.days, last.active_weekly if last else None, last.active_monthly if last else None)


def _leaders(s: Slice, kind: str) -> list[Leader]:
    total = func.sum(TopEntry.posts).label("total")
    ranked = (select(TopEntry.subject_id, total)
              .where(TopEntry.kind == kind, TopEntry.category_id == s.category_id, TopEntry.language == s.language,
                     TopEntry.day >= s.start, TopEntry.day <= s.end)
              .group_by(TopEntry.subject_id).order_by(total.desc(), TopEntry.subject_id).limit(TOP_COUNT).subquery())
    if kind == "member":
        query = select(ranked.c.subject_id, User.display_name, User.username, ranked.c.total).join(
            User, User.id == ranked.c.subject_id)
    else:
        query = select(ranked.c.subject_id, Topic.title, Topic.slug, ranked.c.total).join(
            Topic, Topic.id == ranked.c.subject_id)
    rows = db.session.execute(query.order_by(ranked.c.total.desc(), ranked.c.subject_id))
    return [Leader(subject_id, name or slug, slug, int(posts)) for subject_id, name, slug, posts in rows]


def missed_searches(s: Slice, limit: int = SEARCH_COUNT, viewer: Any = None) -> list[MissedSearch]:
    """The searches that most often found nothing in the range (all categories: a search has
    none), summed over each day's leaders (the job keeps the first hundred a day)."""
    if viewer is not None:
        permissions.require_view_insights(viewer)
    empty = func.sum(MissedSearchDay.no_results).label("empty")
    rows = db.session.execute(
        select(MissedSearchDay.query, func.sum(MissedSearchDay.searches), empty)
        .where(MissedSearchDay.language == s.language, MissedSearchDay.day >= s.start, MissedSearchDay.day <= s.end)
        .group_by(MissedSearchDay.query).order_by(empty.desc(), MissedSearchDay.query).limit(limit))
    return [MissedSearch(query, int(searches or 0), int(no_results or 0)) for query, searches, no_results in rows]


def dashboard(viewer: Any, s: Slice) -> Dashboard:
    """Everything the page shows, in five queries."""
    if not permissions.can_view_insights(viewer):
        raise PermissionDenied()
    rows = _slice_rows(s, s.previous.start)
    totals, previous = _totals(rows, s), _totals(rows, s.previous)
    lines = [SummaryLine(f, f.value(totals), f.value(previous)) for f in FIGURES
             if not (f.whole_forum_only and not s.whole_forum)]
    series = {row.day: {name: int(getattr(row, name) or 0) for name in (*SUMMED, "review_median_seconds")}
              for row in rows if row.day >= s.start}
    days = [s.start + timedelta(days=i) for i in range(s.days)]
    refreshed = max((row.refreshed_at for row in rows), default=None)
    return Dashboard(s, days, series, totals, previous, lines, _leaders(s, "member"), _leaders(s, "topic"),
                     missed_searches(s), refreshed)


def export_rows(viewer: Any, s: Slice) -> list[list[Any]]:
    """One row per day of the range: the day, then :data:`SUMMED` (the CSV export)."""
    if not permissions.can_view_insights(viewer):
        raise PermissionDenied()
    rows = {row.day: row for row in _slice_rows(s, s.start)}
    out: list[list[Any]] = []
    for i in range(s.days):
        day = s.start + timedelta(days=i)
        row = rows.get(day)
        out.append([day.isoformat(), *(int(getattr(row, name) or 0) if row else 0 for name in SUMMED)])
    return out


def filter_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.position, Category.id)))
