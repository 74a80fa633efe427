"""The statistics tables the dashboard reads (and nothing else): filled by the refresh job.

Days are UTC calendar days. ``category_id`` 0 means "every category" and ``language`` ''
means "every language", so each day has one row per grouping: (0, ''), (category, ''),
(0, language) and (category, language). Sums over days are exact for the additive figures;
active members per week/month are distinct counts, computed by the job for the whole forum.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db

ALL_CATEGORIES = 0
ALL_LANGUAGES = ""
MAX_QUERY_LENGTH = 100
OVERFLOW_QUERY = ""  # searches past the day's cap of distinct queries are counted here


class DailyStat(db.Model):  # type: ignore[name-defined,misc]
    """One day's figures for one (category, language) grouping."""

    __tablename__ = "insights_daily_stats"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    category_id: Mapped[int] = mapped_column(default=ALL_CATEGORIES)  # no FK: 0 is "all"
    language: Mapped[str] = mapped_column(String(8), default=ALL_LANGUAGES)
    new_members: Mapped[int] = mapped_column(default=0)
    active_members: Mapped[int] = mapped_column(default=0)      # posted, reacted or visited that day
    active_weekly: Mapped[int | None] = mapped_column()         # the 7 days ending that day (whole forum)
    active_monthly: Mapped[int | None] = mapped_column()        # the 30 days ending that day (whole forum)
    posts: Mapped[int] = mapped_column(default=0)
    topics: Mapped[int] = mapped_column(default=0)
    likes: Mapped[int] = mapped_column(default=0)
    questions: Mapped[int] = mapped_column(default=0)
    solved: Mapped[int] = mapped_column(default=0)
    member_topics: Mapped[int] = mapped_column(default=0)       # topics members started (await staff)
    responded: Mapped[int] = mapped_column(default=0)           # ... of which staff answered
    response_seconds: Mapped[int] = mapped_column(BigInteger, default=0)  # sum over ``responded``
    flags: Mapped[int] = mapped_column(default=0)
    reviews_decided: Mapped[int] = mapped_column(default=0)
    review_seconds: Mapped[int] = mapped_column(BigInteger, default=0)   # sum over ``reviews_decided``
    review_median_seconds: Mapped[int | None] = mapped_column()
    searches: Mapped[int] = mapped_column(default=0)
    searches_no_results: Mapped[int] = mapped_column(default=0)
    refreshed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("day", "category_id", "language", name="uq_insights_daily_stats_key"),
                      Index("ix_insights_daily_stats_slice", "category_id", "language", "day"))


class MemberDay(db.Model):  # type: ignore[name-defined,misc]
    """A member was active on a day: what weekly and monthly distinct counts are made of. Visits
    leave no history elsewhere, so the job notes today's visitors each time it runs."""

    __tablename__ = "insights_member_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_insights_member_days_user", "user_id"),)


class TopEntry(db.Model):  # type: ignore[name-defined,misc]
    """A day's leaders for one grouping: the members who posted most ("member") and the topics
    that got most posts ("topic"), the first TOP_PER_DAY of each."""

    __tablename__ = "insights_top"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(8))
    category_id: Mapped[int] = mapped_column(default=ALL_CATEGORIES)
    language: Mapped[str] = mapped_column(String(8), default=ALL_LANGUAGES)
    subject_id: Mapped[int] = mapped_column()  # a user id or a topic id (no FK: figures outlive them)
    posts: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_insights_top_slice", "kind", "category_id", "language", "day"),
                      Index("ix_insights_top_day", "day"))


class SearchDay(db.Model):  # type: ignore[name-defined,misc]
    """How often a normalised query was searched on a day, in a language, and how often it found
    nothing. No user, no address: only the words and whether the searcher was signed in."""

    __tablename__ = "insights_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    query: Mapped[str] = mapped_column(String(MAX_QUERY_LENGTH))
    language: Mapped[str] = mapped_column(String(8), default=ALL_LANGUAGES)
    searches: Mapped[int] = mapped_column(default=0)
    no_results: Mapped[int] = mapped_column(default=0)
    signed_in: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("day", "query", "language", name="uq_insights_searches_key"),)


class MissedSearchDay(db.Model):  # type: ignore[name-defined,misc]
    """A day's most frequent searches with no results (the first MISSED_PER_DAY per language and
    for every language together, ``language`` ''), written by the job: what the dashboard sums
    over a range without reading every query ever typed."""

    __tablename__ = "insights_missed_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(8), default=ALL_LANGUAGES)
    query: Mapped[str] = mapped_column(String(MAX_QUERY_LENGTH))
    searches: Mapped[int] = mapped_column(default=0)
    no_results: Mapped[int] = mapped_column(default=0)

    __table_args__ = (Index("ix_insights_missed_searches_slice", "language", "day"),
                      Index("ix_insights_missed_searches_day", "day"))
