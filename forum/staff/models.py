"""Staff groups (the brand's teams and their badges), memberships and expert badges."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.discussions.models import Topic
from forum.extensions import db

from .colors import badge_text_color


class StaffGroup(db.Model):  # type: ignore[name-defined,misc]
    """A team that speaks for the brand ("Customer Care"); its badge shows beside members' names."""

    __tablename__ = "staff_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    # The badge text (short); the badge is always text, never colour alone.
    label: Mapped[str] = mapped_column(String(32))
    color: Mapped[str] = mapped_column(String(7), default="#2f5d8a")
    icon: Mapped[str | None] = mapped_column(String(8))
    default_title: Mapped[str | None] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    @property
    def text_color(self) -> str:
        """Black or white, whichever reads better on the badge colour (WCAG contrast)."""
        return badge_text_color(self.color)


class StaffMembership(db.Model):  # type: ignore[name-defined,misc]
    """A member of a staff group. Exactly one membership per user is primary (its badge leads)."""

    __tablename__ = "staff_memberships"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int] = mapped_column(ForeignKey("staff_groups.id", ondelete="CASCADE"))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # The backref gives ``User.staff_memberships`` (primary first) without touching accounts.
    user: Mapped[User] = relationship(backref=backref(
        "staff_memberships", passive_deletes=True,
        order_by=lambda: (StaffMembership.is_primary.desc(), StaffMembership.id)))
    group: Mapped[StaffGroup] = relationship(backref=backref("memberships", passive_deletes=True))

    __table_args__ = (UniqueConstraint("user_id", "group_id"), Index("ix_staff_memberships_group", "group_id"))


class ExpertBadge(db.Model):  # type: ignore[name-defined,misc]
    """Recognition an admin grants a trusted member (not staff: it never lets them speak for the brand)."""

    __tablename__ = "expert_badges"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id], backref=backref(
        "expert_badges", passive_deletes=True, order_by=lambda: ExpertBadge.id))
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])

    __table_args__ = (UniqueConstraint("user_id", "label"),)


# Response times (on the discussions' topics table, declared here because staff pages use them):
# "awaiting a staff response" reads unanswered topics oldest first (a partial index range scan),
# and the figures read topics started in the last N days.
Index("ix_topics_awaiting_staff", Topic.created_at, Topic.id,
      postgresql_where=Topic.first_staff_reply_at.is_(None), sqlite_where=Topic.first_staff_reply_at.is_(None))
Index("ix_topics_created_at", Topic.created_at)
