"""Messages' draft places: the composer keeps what a member writes in a conversation's reply box
and in the new-conversation form on the server, through discussions' one owner of drafts
(:mod:`forum.discussions.services.drafts`), like a topic's reply box.

A draft is its author's only (stored by member, kind and key). Autosaving into a conversation
the member cannot read (or may not write in) is a 404, like opening it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import select

from forum.discussions.interfaces import DraftPlace
from forum.errors import NotFound
from forum.extensions import db
from forum.registry import contribute
from forum.staff.models import StaffGroup

from . import permissions
from .models import Conversation, ConversationMessage, MessageKind
from .services import enabled_inbox, get_readable_conversation

MESSAGE = "message"            # a conversation's reply box; key: the conversation's id
CONVERSATION = "conversation"  # the new-conversation form; key: the staff group written to, or none


class MessagePlace:
    kind = MESSAGE
    fields = ("body",)
    autosaved = True

    def may_write(self, user: Any, key: int | None) -> bool:
        if key is None or not permissions.can_use_messages(user):
            return False
        try:
            get_readable_conversation(user, key)
        except NotFound:
            return False
        return True

    def posted_since(self, user: Any, key: int | None, since: datetime) -> bool:
        """Sent a message in this conversation since (ix_conversation_messages_user)."""
        return db.session.scalar(select(ConversationMessage.id).where(
            ConversationMessage.user_id == user.id, ConversationMessage.created_at > since,
            ConversationMessage.conversation_id == key, ConversationMessage.kind == MessageKind.TEXT,
        ).limit(1)) is not None


class ConversationPlace:
    """One draft for a conversation with members (key none: "new") and one per staff group's
    inbox (key: the group's id): a text written to Customer Care never turns up addressed to a
    member, and neither form's draft replaces the other's."""

    kind = CONVERSATION
    fields = ("to", "title", "body")
    autosaved = True

    def may_write(self, user: Any, key: int | None) -> bool:
        if key is None:
            return permissions.can_message_members(user)
        group = db.session.get(StaffGroup, key)
        return group is not None and enabled_inbox(group) is not None and permissions.can_use_messages(user)

    def posted_since(self, user: Any, key: int | None, since: datetime) -> bool:
        """Started such a conversation since: the member's messages from that time on
        (ix_conversation_messages_user) in conversations they started."""
        group = Conversation.group_id.is_(None) if key is None else Conversation.group_id == key
        return db.session.scalar(select(ConversationMessage.id).join(
            Conversation, Conversation.id == ConversationMessage.conversation_id).where(
            ConversationMessage.user_id == user.id, ConversationMessage.created_at > since,
            Conversation.created_by_id == user.id, Conversation.created_at > since, group,
        ).limit(1)) is not None


def register(app: Flask) -> None:
    for place in (MessagePlace(), ConversationPlace()):
        contribute(app, DraftPlace, place)
