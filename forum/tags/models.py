"""Tags, tag groups, their membership, tags on topics, and per-category tag rules."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db

# A tag's name is its slug: lower case letters, digits and dashes (Discourse's convention), so
# it reads the same in a URL, in the search box (``tag:moka-pro``) and on a chip.
MAX_TAG_LENGTH = 40


class Tag(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(MAX_TAG_LENGTH), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    # Published topics carrying the tag; written only by forum.tags.services.counts (SQL arithmetic).
    topic_count: Mapped[int] = mapped_column(default=0, server_default="0")
    # A synonym points at its target: typing it tags the target; it carries no topics itself.
    target_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    target: Mapped[Tag | None] = relationship(remote_side=[id])

    @property
    def slug(self) -> str:
        return self.name

    @property
    def is_synonym(self) -> bool:
        return self.target_id is not None


class TagGroup(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tag_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    # Other community languages, as categories keep theirs: {"it": {"name": "Prodotto"}}.
    translations: Mapped[dict] = mapped_column(JSON, default=dict)  # type: ignore[type-arg]
    position: Mapped[int] = mapped_column(default=0)


class TagGroupMember(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "tag_group_members"

    group_id: Mapped[int] = mapped_column(ForeignKey("tag_groups.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    __table_args__ = (Index("ix_tag_group_members_tag", "tag_id"),)


class TopicTag(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "topic_tags"

    topic_id: Mapped[int] = mapped_column(ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)

    # A tag's page walks its topics from here (the primary key serves the topic's own chips).
    __table_args__ = (Index("ix_topic_tags_tag", "tag_id", "topic_id"),)


class CategoryTagRule(db.Model):  # type: ignore[name-defined,misc]
    """What a category asks of its topics' tags (no row: anything goes, no minimum)."""

    __tablename__ = "category_tag_rules"

    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    # At least this many tags on a topic (0: none required) ...
    min_tags: Mapped[int] = mapped_column(default=0)
    # ... taken from this group (None: any tag counts).
    required_group_id: Mapped[int | None] = mapped_column(ForeignKey("tag_groups.id", ondelete="SET NULL"))
    # Only tags of these groups may be used here (empty: every tag).
    allowed_group_ids: Mapped[list] = mapped_column(JSON, default=list)  # type: ignore[type-arg]
