"""Categories, topics, posts and their revisions."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class ReadAccess(StrEnum):
    EVERYONE = "everyone"
    MEMBERS = "members"
    STAFF = "staff"


class PostAccess(StrEnum):
    MEMBERS = "members"
    STAFF = "staff"


class PostState(StrEnum):
    """Where a post stands. Nothing ever leaves the table: every state is restorable."""

    PUBLISHED = "published"
    PENDING = "pending"    # held for review: visible to its author and staff only
    REJECTED = "rejected"  # refused by a reviewer: text kept, visible to its author and staff
    HIDDEN = "hidden"      # hidden by moderators or by flags: placeholder for others
    DELETED = "deleted"    # withdrawn by the author or removed by a moderator: placeholder


VISIBLE_STATES = (PostState.PUBLISHED,)


class Category(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(default=0)
    color: Mapped[str] = mapped_column(String(7), default="#3b6ea8")
    # Other community languages: {"it": {"name": ..., "description": ...}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict)  # type: ignore[type-arg]
    read_access: Mapped[str] = mapped_column(String(16), default=ReadAccess.EVERYONE)
    topic_access: Mapped[str] = mapped_column(String(16), default=PostAccess.MEMBERS)
    # Questions categories let the author or staff mark an accepted answer (issue: staff).
    is_questions: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moderation (issue: moderation): hold new topics and/or replies for review.
    approve_topics: Mapped[bool] = mapped_column(Boolean, default=False)
    approve_replies: Mapped[bool] = mapped_column(Boolean, default=False)
    # Crisis tools (issue 15): members may neither start topics nor reply here; staff may.
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    topic_count: Mapped[int] = mapped_column(default=0)
    post_count: Mapped[int] = mapped_column(default=0)
    last_topic_id: Mapped[int | None] = mapped_column(
        ForeignKey("topics.id", ondelete="SET NULL", use_alter=True)
    )
    last_posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    last_topic: Mapped[Topic | None] = relationship(foreign_keys=[last_topic_id], post_update=True)


class Topic(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(255))
    slug: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_post_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Published posts, opening post included.
    post_count: Mapped[int] = mapped_column(default=0)
    # Post numbers are handed out in order and never reused, so a page is a number range.
    highest_post_number: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default=PostState.PUBLISHED)
    # A pin leads its category's page; pinned_globally (Discourse's "pin globally") also puts
    # it first on /latest, for everyone who may read it.
    is_pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned_globally: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    pinned_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # Staff identity (issue: staff).
    first_official_post_number: Mapped[int | None] = mapped_column()
    last_official_post_number: Mapped[int | None] = mapped_column()
    solution_post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="SET NULL", use_alter=True)
    )
    first_staff_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_official_reply_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first image of the opening post (an upload token), shown as a thumbnail in lists.
    image_token: Mapped[str | None] = mapped_column(String(40))

    category: Mapped[Category] = relationship(foreign_keys=[category_id])
    author: Mapped[User | None] = relationship(foreign_keys=[user_id])
    last_poster: Mapped[User | None] = relationship(foreign_keys=[last_post_user_id])

    __table_args__ = (
        # The category page: by last activity, keyset-paginated (an index range walked in order;
        # is_pinned must not sit before last_posted_at or the database sorts the whole category).
        Index("ix_topics_category_activity", "category_id", "state", "last_posted_at", "id"),
        # ... and its pinned topics, found (already in order) without scanning the category; /latest
        # reads the global pins of each readable category from the same index.
        Index("ix_topics_category_pinned", "category_id", "state", "is_pinned", "pinned_globally", "last_posted_at"),
        Index("ix_topics_activity", "state", "last_posted_at", "id"),
        # /new: topics created since the member's previous visit, newest first (keyset).
        Index("ix_topics_created", "state", "created_at", "id"),
        Index("ix_topics_user", "user_id", "created_at"),
    )

    @property
    def is_pinned_now(self) -> bool:
        """Pinned, and the pin has not expired."""
        return self.is_pinned and (self.pinned_until is None or self.pinned_until > utcnow())

    @property
    def has_official(self) -> bool:
        return self.first_official_post_number is not None

    @property
    def is_solved(self) -> bool:
        return self.solution_post_id is not None


class Post(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    post_number: Mapped[int] = mapped_column()
    reply_to_post_number: Mapped[int | None] = mapped_column()
    raw: Mapped[str] = mapped_column(Text)
    cooked: Mapped[str] = mapped_column(Text)
    cook_version: Mapped[int] = mapped_column(default=1)
    language: Mapped[str] = mapped_column(String(8), default="en")
    # True when the author chose the language: detection never overrides it on edit.
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    edit_count: Mapped[int] = mapped_column(default=0)
    state: Mapped[str] = mapped_column(String(16), default=PostState.PUBLISHED)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state_reason: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # Staff identity (issue: staff): an official reply speaks for the brand.
    is_official: Mapped[bool] = mapped_column(Boolean, default=False)
    # Reactions (likes included), counted with SQL arithmetic by their one owner.
    reaction_count: Mapped[int] = mapped_column(default=0, server_default="0")

    topic: Mapped[Topic] = relationship(foreign_keys=[topic_id])
    author: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("topic_id", "post_number"),
        Index("ix_posts_user", "user_id", "created_at"),
        Index("ix_posts_state", "state", "created_at"),
    )

    @property
    def is_visible(self) -> bool:
        return self.state == PostState.PUBLISHED

    @property
    def is_withdrawn_by_author(self) -> bool:
        return self.state == PostState.DELETED and self.state_changed_by_id == self.user_id

    @property
    def is_edited(self) -> bool:
        return self.edit_count > 0


class PostRevision(db.Model):  # type: ignore[name-defined,misc]
    """The text of a post BEFORE an edit. Revision n holds what version n said."""

    __tablename__ = "post_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()
    raw: Mapped[str] = mapped_column(Text)
    cooked: Mapped[str] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(255))
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str | None] = mapped_column(Text)
    was_official: Mapped[bool] = mapped_column(Boolean, default=False)

    editor: Mapped[User | None] = relationship()

    __table_args__ = (UniqueConstraint("post_id", "number"),)


class Draft(db.Model):  # type: ignore[name-defined,misc]
    """Text a member could not post yet (e.g. new rules to accept first). Kept on the server:
    a cookie session would silently drop a long post."""

    __tablename__ = "drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # "topic" | "reply" | "edit"
    key: Mapped[str] = mapped_column(String(32))   # topic id, post id, or "new"
    data: Mapped[dict] = mapped_column(JSON)       # type: ignore[type-arg]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "kind", "key"),)


class NotificationLevel(IntEnum):
    """How closely a member follows a topic or a category (Discourse's levels)."""

    MUTED = 0                # never notified; a muted topic or category leaves Latest
    NORMAL = 1               # notified when mentioned, quoted or replied to
    TRACKING = 2             # ... and the topic shows "N new"
    WATCHING = 3             # notified of every new post
    WATCHING_FIRST_POST = 4  # categories only: notified of every new topic


class TopicMember(db.Model):  # type: ignore[name-defined,misc]
    """One member and one topic: how they follow it and how far they have read.

    No row means the category's level (else normal) and nothing read: rows are made when a
    member reads, writes or chooses a level, so a topic costs nothing to those who never open it."""

    __tablename__ = "topic_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int | None] = mapped_column()  # NotificationLevel; None: not chosen (the category's)
    # Why the level is what it is, shown beside the control: "created", "replied", "chosen"...
    level_reason: Mapped[str | None] = mapped_column(String(16))
    last_read_post_number: Mapped[int] = mapped_column(default=0)
    last_visited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # Fan-out: who watches this topic, without reading every reader's row.
        Index("ix_topic_members_topic_level", "topic_id", "level"),
        Index("ix_topic_members_user_level", "user_id", "level"),
    )


class CategoryMember(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "category_members"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    level: Mapped[int] = mapped_column()  # NotificationLevel

    __table_args__ = (Index("ix_category_members_category_level", "category_id", "level"),)


class PostReaction(db.Model):  # type: ignore[name-defined,misc]
    """A member's reaction to a post: one per member per post (a like is the reaction "heart")."""

    __tablename__ = "post_reactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reaction: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("post_id", "user_id"),
        Index("ix_post_reactions_user", "user_id", "created_at"),
        # SQLite: never hand an undone reaction's id to the next one (notices count reactions by id).
        {"sqlite_autoincrement": True},
    )


class Bookmark(db.Model):  # type: ignore[name-defined,misc]
    """A post a member keeps, with an optional note and a reminder."""

    __tablename__ = "bookmarks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    note: Mapped[str] = mapped_column(String(200), default="")
    remind_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    post: Mapped[Post] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "post_id"),
        Index("ix_bookmarks_user_created", "user_id", "created_at"),
        Index("ix_bookmarks_remind_at", "remind_at"),
    )
