"""Moderation records: the review queue, flags, filter verdicts, sanctions, bans and staff notes.

Nothing here is ever hard-deleted by moderation: items are resolved, flags change status,
sanctions and bans are lifted (with who and when). The audit log lives in ``forum.audit``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.discussions.models import Category, Post, Topic
from forum.extensions import db


class ReviewKind(StrEnum):
    TOPIC = "topic"    # a new topic held for approval (its opening post)
    REPLY = "reply"    # a reply held for approval
    FLAG = "flag"      # a post flagged by members or by a filter
    MEMBER = "member"  # a member application ("approve members" mode)
    EVENT = "event"    # a meetup held for approval (subject_id: the event; see ReviewSubject)
    PROFILE = "profile"  # a member's profile text held or flagged by the filters (user_id)
    MESSAGE = "message"  # a private message flagged by a participant (subject_id: the message)


class ReviewReason(StrEnum):
    """Why an item is in the queue (a filter on the queue page)."""

    NEW_MEMBER = "new_member"
    CATEGORY = "category"
    FILTER = "filter"
    PLUGIN_ERROR = "plugin_error"
    FLAGS = "flags"
    APPLICATION = "application"
    RESUBMITTED = "resubmitted"


class ReviewStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"
    DELETED = "deleted"
    AGREED = "agreed"
    DISAGREED = "disagreed"
    IGNORED = "ignored"


class ReviewItem(db.Model):  # type: ignore[name-defined,misc]
    """One entry of the review queue. At most one OPEN item per post and per applicant."""

    __tablename__ = "review_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.OPEN)
    reason_code: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)  # details for staff (filter reasons, ...)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The held thing when it is not a post nor a member: a meetup's id for kind "event". No
    # foreign key on purpose: the domain that owns the kind handles it (moderation.interfaces).
    subject_id: Mapped[int | None] = mapped_column()
    data: Mapped[Any] = mapped_column(JSON, nullable=True)  # application answers, held profile text
    score: Mapped[float] = mapped_column(Float, default=0.0)  # weighted open flags
    hidden_by_flags: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(16))

    post: Mapped[Post | None] = relationship(foreign_keys=[post_id])
    topic: Mapped[Topic | None] = relationship(foreign_keys=[topic_id])
    category: Mapped[Category | None] = relationship(foreign_keys=[category_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    claimed_by: Mapped[User | None] = relationship(foreign_keys=[claimed_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    flags: Mapped[list[Flag]] = relationship(back_populates="item", order_by="Flag.id")
    verdicts: Mapped[list[PostVerdict]] = relationship(
        primaryjoin="foreign(PostVerdict.post_id) == ReviewItem.post_id", viewonly=True,
        order_by="PostVerdict.id")

    __table_args__ = (
        # The queue page walks one of these in order and stops after a page: oldest first,
        # unfiltered, by kind or by category.
        Index("ix_review_items_queue", "status", "created_at", "id"),
        Index("ix_review_items_queue_kind", "status", "kind", "created_at", "id"),
        Index("ix_review_items_queue_category", "status", "category_id", "created_at", "id"),
        Index("uq_review_items_open_post", "post_id", unique=True,
              sqlite_where=text("status = 'open'"), postgresql_where=text("status = 'open'")),
        Index("uq_review_items_open_member", "user_id", unique=True,
              sqlite_where=text("status = 'open' AND kind = 'member'"),
              postgresql_where=text("status = 'open' AND kind = 'member'")),
        Index("uq_review_items_open_profile", "user_id", unique=True,
              sqlite_where=text("status = 'open' AND kind = 'profile'"),
              postgresql_where=text("status = 'open' AND kind = 'profile'")),
        Index("uq_review_items_open_subject", "kind", "subject_id", unique=True,
              sqlite_where=text("status = 'open' AND subject_id IS NOT NULL"),
              postgresql_where=text("status = 'open' AND subject_id IS NOT NULL")),
    )

    @property
    def is_open(self) -> bool:
        return self.status == ReviewStatus.OPEN


class FlagStatus(StrEnum):
    OPEN = "open"
    AGREED = "agreed"
    DISAGREED = "disagreed"
    IGNORED = "ignored"


class Flag(db.Model):  # type: ignore[name-defined,misc]
    """A member's report on a post. One per member per post, ever."""

    __tablename__ = "flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_id: Mapped[int | None] = mapped_column(ForeignKey("review_items.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default=FlagStatus.OPEN)
    # The flagger's weight when they flagged (see services.flag_weight).
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    post: Mapped[Post] = relationship(foreign_keys=[post_id])
    item: Mapped[ReviewItem | None] = relationship(back_populates="flags")

    __table_args__ = (
        UniqueConstraint("post_id", "user_id", name="uq_flags_post_user"),
        Index("ix_flags_user_status", "user_id", "status"),
    )


class PostVerdict(db.Model):  # type: ignore[name-defined,misc]
    """A post's moderation history: every non-allow verdict a content filter gave it."""

    __tablename__ = "post_verdicts"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    plugin: Mapped[str] = mapped_column(String(120))
    verdict: Mapped[str] = mapped_column(String(24))  # "rewrite" | "flag" | "require_approval" | ...
    reason: Mapped[str | None] = mapped_column(Text)
    context_kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SanctionKind(StrEnum):
    WARNING = "warning"
    SILENCE = "silence"
    SUSPEND = "suspend"


class Sanction(db.Model):  # type: ignore[name-defined,misc]
    """The record of a warning, silence or suspension. Enforcement reads the denormalised
    ``User.silenced_until`` / ``suspended_until`` / ``warning_pending``, so expiry is just a
    timestamp comparison (no cron)."""

    __tablename__ = "sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)          # shown to the member
    note: Mapped[str | None] = mapped_column(Text)     # staff only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: permanent (suspend)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # warnings
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (Index("ix_sanctions_user", "user_id", "kind", "created_at"),)

    def is_active(self, now: datetime) -> bool:
        if self.lifted_at is not None:
            return False
        if self.kind == SanctionKind.WARNING:
            return self.acknowledged_at is None
        return self.expires_at is None or self.expires_at > now


class BanKind(StrEnum):
    EMAIL_DOMAIN = "email_domain"
    IP_RANGE = "ip_range"


class RegistrationBan(db.Model):  # type: ignore[name-defined,misc]
    """Refuse registrations from an email domain (and its subdomains) or an IP range (CIDR)."""

    __tablename__ = "registration_bans"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(255))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])


class StaffNote(db.Model):  # type: ignore[name-defined,misc]
    """A note about a member that only moderators see."""

    __tablename__ = "staff_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
