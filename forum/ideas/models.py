"""Ideas boards: which categories are boards, the ideas' votes and status, and their history.

An idea is a topic of a board. Its row in ``ideas`` is made on the first vote, status or merge
(a topic nobody voted for has none; lists read it with an outer join and count 0 votes).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.discussions.models import Category, Topic
from forum.extensions import db


class IdeaBoard(db.Model):  # type: ignore[name-defined,misc]
    """A category whose topics are ideas members vote for."""

    __tablename__ = "idea_boards"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    # Votes a member may have on open ideas of this board at once; 0: no limit.
    vote_budget: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    category: Mapped[Category] = relationship()


class Idea(db.Model):  # type: ignore[name-defined,misc]
    """An idea's denormalised state: its votes (written only by :mod:`forum.ideas.votes`) and
    its current status with the public note that came with it."""

    __tablename__ = "ideas"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    vote_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[str] = mapped_column(String(16), default="")  # "": open, no status yet
    status_note: Mapped[str] = mapped_column(Text, default="")      # cooked HTML (forum.markup)
    status_note_raw: Mapped[str] = mapped_column(Text, default="")  # its Markdown (the export's plain text)
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])
    merged_into: Mapped[Topic | None] = relationship(foreign_keys=[merged_into_id])

    __table_args__ = (
        Index("ix_ideas_board_votes", "category_id", "vote_count", "topic_id"),
        Index("ix_ideas_status", "status", "topic_id"),
    )


class IdeaVote(db.Model):  # type: ignore[name-defined,misc]
    """One member's vote for one idea (the unique constraint is the rule "one vote each")."""

    __tablename__ = "idea_votes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("ideas.topic_id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        UniqueConstraint("topic_id", "user_id"),
        Index("ix_idea_votes_user_board", "user_id", "category_id"),
        Index("ix_idea_votes_recent", "created_at", "topic_id"),
    )


class IdeaStatusChange(db.Model):  # type: ignore[name-defined,misc]
    """Every status an idea had, with its public note (shown as the idea's history)."""

    __tablename__ = "idea_status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("ideas.topic_id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    previous: Mapped[str] = mapped_column(String(16), default="")
    note_raw: Mapped[str] = mapped_column(Text, default="")
    note: Mapped[str] = mapped_column(Text, default="")  # cooked
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    changed_by: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_idea_status_changes_topic", "topic_id", "id"),)
