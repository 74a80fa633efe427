"""Crisis tools' tables: slow mode (per topic or per category), topic timers, announcements.

The site banner and read-only mode are settings (``crisis_banner``, ``crisis_read_only``):
every page reads them from the request's cached settings, at no extra query.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db_types import UTCDateTime, utcnow
from forum.discussions.models import Topic
from forum.extensions import db


class SlowMode(db.Model):  # type: ignore[name-defined,misc]
    """A member may post once per ``seconds`` in the topic, or in every topic of the category."""

    __tablename__ = "crisis_slow_modes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), unique=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), unique=True)
    seconds: Mapped[int] = mapped_column()
    until: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: until a manager stops it
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TimerAction(StrEnum):
    CLOSE = "close"
    OPEN = "open"
    UNPIN = "unpin"
    HIDE_REPLIES = "hide_replies"  # hide replies older than ``older_than_hours`` (never a hard delete)


class TopicTimer(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "crisis_topic_timers"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(16))
    run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    older_than_hours: Mapped[int | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Set once, by the conditional UPDATE that claims the timer: a due timer runs once.
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(String(200))

    topic: Mapped[Topic] = relationship()

    __table_args__ = (Index("ix_crisis_topic_timers_due", "done_at", "cancelled_at", "run_at"),
                      Index("ix_crisis_topic_timers_topic", "topic_id"))


class Announcement(db.Model):  # type: ignore[name-defined,misc]
    """An announcement topic and the mail to every member who allows announcements."""

    __tablename__ = "crisis_announcements"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expected: Mapped[int] = mapped_column(default=0)  # the count shown before sending
    notified: Mapped[int] = mapped_column(default=0)  # notices staged so far (batches add up)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    topic: Mapped[Topic | None] = relationship()
