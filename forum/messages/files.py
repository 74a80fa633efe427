"""Uploads' :class:`~forum.uploads.interfaces.PrivateReferences` for messages: a file in a
message is for the conversation's readers (and its uploader, uploads' own rule) only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, exists, or_, select

from forum.extensions import db
from forum.staff.models import StaffMembership
from forum.uploads.models import ReferenceKind

from .models import Conversation, ConversationMessage, ConversationParticipant, MessageState
from .moderation import break_glass_conversation_ids


class MessageFiles:
    kind = ReferenceKind.MESSAGE.value

    def readable(self, user: Any, target_ids: Sequence[int]) -> set[int]:
        """Published messages of ``target_ids`` in conversations ``user`` reads (one query)."""
        if not target_ids or not user.is_authenticated:
            return set()
        participant = exists().where(ConversationParticipant.conversation_id == Conversation.id,
                                     ConversationParticipant.user_id == user.id,
                                     ConversationParticipant.left_at.is_(None))
        group_member = Conversation.group_id.in_(select(StaffMembership.group_id)
                                                 .where(StaffMembership.user_id == user.id))
        # An admin's break-glass grant opens the conversation's files too, while it lasts.
        granted = Conversation.id.in_(sorted(break_glass_conversation_ids(user)))
        return set(db.session.scalars(
            select(ConversationMessage.id).join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .where(ConversationMessage.id.in_(list(target_ids)), ConversationMessage.state == MessageState.PUBLISHED,
                   and_(or_(participant, group_member, granted)))))
