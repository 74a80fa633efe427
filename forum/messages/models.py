"""Private conversations: between members, or between a member and a staff group's inbox.

Privacy is the rule of this schema: nothing here is ever joined into a public list (topics,
search, feeds, the API's public resources, profiles). Only a conversation's participants (and,
for a group's conversation, the group's members) read it; see :mod:`forum.messages.permissions`.

A message is never hard-deleted by moderation: a hidden message keeps its text for the audit
and shows "message removed" to the participants. Erasing an account (the member's right) wipes
the text of their messages and keeps the row, so the others' conversation keeps its shape.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class MessageState(StrEnum):
    PUBLISHED = "published"
    HIDDEN = "hidden"    # hidden by a moderator (from a flag): "message removed", text kept for the record
    REMOVED = "removed"  # withdrawn by its author, or its author's account was erased: text gone


class MessageKind(StrEnum):
    TEXT = "text"      # written by a participant
    NOTICE = "notice"  # what happened: invited, left, assigned, moved from a topic, read by an admin


class ParticipantRole(StrEnum):
    OWNER = "owner"    # started it: may invite (when the conversation allows it) and remove
    MEMBER = "member"


class GroupInbox(db.Model):  # type: ignore[name-defined,misc]
    """A staff group that takes messages ("Message Customer Care"): admins open it."""

    __tablename__ = "group_inboxes"

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("staff_groups.id", ondelete="CASCADE"), unique=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    # Shown on the contact page and above the composer ("Include your order number").
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Conversation(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(255))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A group's conversation belongs to the group: each of its members reads it.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("staff_groups.id", ondelete="SET NULL"), index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The owner lets participants invite others (off: only the owner invites).
    members_may_invite: Mapped[bool] = mapped_column(Boolean, default=False)
    # Moved from public: the topic (and post) staff continued in private, for the summary back.
    origin_topic_id: Mapped[int | None] = mapped_column(ForeignKey("topics.id", ondelete="SET NULL"))
    origin_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    # Counters, kept with SQL arithmetic by their one owner in the services.
    message_count: Mapped[int] = mapped_column(default=0)
    last_message_number: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversation_messages.id", ondelete="SET NULL", use_alter=True))

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assigned_to: Mapped[User | None] = relationship(foreign_keys=[assigned_to_id])

    __table_args__ = (Index("ix_conversations_group_last", "group_id", "last_message_at", "id"),)


class ConversationParticipant(db.Model):  # type: ignore[name-defined,misc]
    """A member in a conversation. Leaving keeps the row (``left_at``): the member no longer
    reads it, and the others see that they left."""

    __tablename__ = "conversation_participants"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16), default=ParticipantRole.MEMBER)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # out of the inbox until a new message
    last_read_number: Mapped[int] = mapped_column(default=0)  # the highest message number read
    # Sorting key of the member's inbox, copied from the conversation on each message.
    last_message_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    conversation: Mapped[Conversation] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("conversation_id", "user_id"),
        Index("ix_conversation_participants_inbox", "user_id", "last_message_at", "conversation_id"),
    )


class GroupReadState(db.Model):  # type: ignore[name-defined,misc]
    """How far a member of a group read one of the group's conversations (they are not
    participants: the conversation is the group's)."""

    __tablename__ = "conversation_group_reads"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    last_read_number: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("conversation_id", "user_id"),)


class ConversationMessage(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column()  # 1, 2, … within the conversation
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16), default=MessageKind.TEXT)
    raw: Mapped[str] = mapped_column(Text, default="")
    cooked: Mapped[str] = mapped_column(Text, default="")
    cook_version: Mapped[int] = mapped_column(default=1)
    # A staff member's reply in a group's conversation is signed with the group (as official replies).
    signed_group_id: Mapped[int | None] = mapped_column(ForeignKey("staff_groups.id", ondelete="SET NULL"))
    # A notice's structured content ({"event": "invited", "user": "bob"}), rendered translated.
    notice: Mapped[dict | None] = mapped_column(JSON)  # type: ignore[type-arg]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=MessageState.PUBLISHED)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    state_reason: Mapped[str | None] = mapped_column(Text)
    ip_address: Mapped[str | None] = mapped_column(String(45))  # purged after the retention period

    conversation: Mapped[Conversation] = relationship(foreign_keys=[conversation_id])
    author: Mapped[User | None] = relationship(foreign_keys=[user_id])

    __table_args__ = (
        UniqueConstraint("conversation_id", "number"),
        Index("ix_conversation_messages_user", "user_id", "created_at"),
    )

    @property
    def is_visible(self) -> bool:
        return self.state == MessageState.PUBLISHED


class MessageBlock(db.Model):  # type: ignore[name-defined,misc]
    """``user`` does not take messages from ``blocked`` (staff groups' replies still reach them)."""

    __tablename__ = "message_blocks"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("user_id", "blocked_id"),)


class MessageFlag(db.Model):  # type: ignore[name-defined,misc]
    """A participant's flag on one message: the message (and only it, with a little context)
    goes to the review queue as a "message" item (subject_id: the message)."""

    __tablename__ = "message_flags"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("conversation_messages.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (UniqueConstraint("message_id", "user_id"),)
