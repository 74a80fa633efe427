"""What the messages domain keeps about a member, for their data export and erasure.

Export: every conversation the member took part in (or wrote in, for a staff group's), one row
per message, as the member saw it: their own text, the others' published messages, "removed"
for what a moderator hid or an author withdrew, notices as their event. Only what they could
read: a participant who left gets the messages up to their leaving; in a staff group's
conversation, a member of the group gets it all, a former member their own messages only
(leaving the group ends their reading of it).

Erasure: the member's messages become "removed" (text wiped, through the one owner of message
state so the counters stay right) and lose their address; their participant rows stay, so the
others' conversations keep their shape ("message removed", "a former member left"). Their blocks
and group read pointers go, and their name leaves the notices that named them. The flags they
raised on messages (:class:`MessageFlags`) are exported, and lose their words on erasure.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import aliased

from forum.accounts.models import User
from forum.extensions import db
from forum.ip_addresses import purge_addresses
from forum.staff.models import StaffMembership

from .models import (
    Conversation,
    ConversationMessage,
    ConversationParticipant,
    GroupReadState,
    MessageBlock,
    MessageFlag,
    MessageKind,
    MessageState,
)
from .services import set_message_state


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _conversation_ids(user: Any) -> Any:
    taking_part = select(ConversationParticipant.conversation_id).where(ConversationParticipant.user_id == user.id)
    written = aliased(ConversationMessage)  # not the outer query's messages (no correlation)
    wrote = select(written.conversation_id).where(written.user_id == user.id)
    return or_(Conversation.id.in_(taking_part), Conversation.id.in_(wrote))


class Conversations:
    name = "conversations"
    description = _l("The private conversations you took part in, as you could read them (up to when you left).")

    def export(self, user: Any) -> list[dict[str, Any]]:
        # What they read as a participant (up to leaving, if they left) or as a member of the
        # owning group; otherwise only their own messages: a former member of the group reads
        # nothing more of its conversations through their export.
        mine = aliased(ConversationParticipant)
        groups = select(StaffMembership.group_id).where(StaffMembership.user_id == user.id)
        rows = db.session.execute(
            select(ConversationMessage, Conversation.title, User.username)
            .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
            .outerjoin(User, User.id == ConversationMessage.user_id)
            .outerjoin(mine, and_(mine.conversation_id == ConversationMessage.conversation_id,
                                  mine.user_id == user.id))
            .where(_conversation_ids(user),
                   or_(ConversationMessage.user_id == user.id, Conversation.group_id.in_(groups),
                       and_(mine.id.is_not(None),
                            or_(mine.left_at.is_(None), ConversationMessage.created_at <= mine.left_at))))
            .order_by(Conversation.id, ConversationMessage.number))
        out: list[dict[str, Any]] = []
        for message, title, author in rows:
            own = message.user_id == user.id
            visible = message.state == MessageState.PUBLISHED or (own and message.state == MessageState.HIDDEN)
            text = message.raw if message.kind == MessageKind.TEXT and visible else None
            out.append({"conversation_id": message.conversation_id, "conversation_title": title,
                        "number": message.number, "author": author, "own": own, "kind": message.kind,
                        "event": (message.notice or {}).get("event") if message.kind == MessageKind.NOTICE else None,
                        "state": message.state, "created_at": _iso(message.created_at),
                        "ip_address": message.ip_address if own else None, "text": text})
        return out

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """Private messages are the member's personal data: wiped whatever ``remove_content`` says."""
        messages = db.session.scalars(select(ConversationMessage).where(
            ConversationMessage.user_id == user.id, ConversationMessage.kind == MessageKind.TEXT,
            ConversationMessage.state != MessageState.REMOVED).order_by(ConversationMessage.id))
        for message in list(messages):
            set_message_state(message, MessageState.REMOVED, user, "account erased")
        db.session.execute(update(ConversationMessage).where(ConversationMessage.user_id == user.id,
                                                             ConversationMessage.ip_address.is_not(None))
                           .values(ip_address=None), execution_options={"synchronize_session": False})
        db.session.execute(delete(MessageBlock).where(MessageBlock.user_id == user.id))
        db.session.execute(delete(GroupReadState).where(GroupReadState.user_id == user.id))
        self._forget_name(user)

    @staticmethod
    def _forget_name(user: Any) -> None:
        """Notices that named the member ("alice added bob") lose the name."""
        notices = db.session.scalars(select(ConversationMessage).where(
            ConversationMessage.kind == MessageKind.NOTICE, _in_conversations_of(user)))
        for notice in notices:
            data = dict(notice.notice or {})
            if data.get("user") == user.username:
                data["user"] = ""
                notice.notice = data


def _in_conversations_of(user: Any) -> Any:
    """Conversations the member was in, or wrote in (a staff group's, as one of its members)."""
    written = aliased(ConversationMessage)  # not the outer query's messages (no correlation)
    return or_(ConversationMessage.conversation_id.in_(
        select(ConversationParticipant.conversation_id).where(ConversationParticipant.user_id == user.id)),
        ConversationMessage.conversation_id.in_(select(written.conversation_id).where(written.user_id == user.id)))


class MessageFlags:
    """The flags the member raised on messages: exported (the message, the reason, their words,
    when); erasure clears their words but keeps the flag, so the review queue stays whole."""

    name = "message_flags"
    description = _l("The private messages you reported to the moderators, why, and your words.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        return [{"message_id": flag.message_id, "reason": flag.reason, "text": flag.text,
                 "created_at": _iso(flag.created_at)}
                for flag in db.session.scalars(select(MessageFlag).where(MessageFlag.user_id == user.id)
                                               .order_by(MessageFlag.id))]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(update(MessageFlag).where(MessageFlag.user_id == user.id, MessageFlag.text.is_not(None))
                           .values(text=None), execution_options={"synchronize_session": False})


class MessageAddresses:
    """The address each message was written from (``conversation_messages.ip_address``)."""

    def purge_addresses(self, before: datetime, *, truncate: bool) -> int:
        table = ConversationMessage.__table__
        return purge_addresses(table, table.c.ip_address, table.c.created_at, before, truncate=truncate)
