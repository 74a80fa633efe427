"""Moderation of private conversations: participants' flags on one message, and an admin's
audited break-glass reading.

Flags: a participant reports one message; a "message" item opens in the review queue
(:mod:`forum.messages.review` shows it: that message and the one before it, nothing else). The
conversation stays closed to the moderators (404): they judge the message, not the conversation.

Break-glass: an admin who must read a conversation nobody flagged gives a reason; the audit log
records it and the participants read a notice ("An administrator read this conversation …").
The grant lives in the admin's signed session for :data:`BREAK_GLASS_MINUTES` and names the
conversation and the admin: no table to clean, it ends with the session, and it cannot be handed
to anyone else. Without a live grant an admin gets the same 404 as everyone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context, session
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import ReviewKind, ReviewReason
from forum.text import one_line

from . import permissions
from .models import Conversation, ConversationMessage, MessageFlag, MessageKind
from .services import add_notice

BREAK_GLASS_MINUTES = 30
_GRANTS = "messages_break_glass"  # session key: {conversation id: [admin id, expiry timestamp]}
MAX_FLAG_TEXT = 1000
MAX_REASON = 500


# --- flags ---------------------------------------------------------------------------------------

def get_flaggable_message(user: Any, message_id: int) -> ConversationMessage:
    """The message, for a reader of its conversation; 404 for anyone else (its existence is private)."""
    message = db.session.scalar(select(ConversationMessage).options(joinedload(ConversationMessage.conversation))
                                .where(ConversationMessage.id == message_id))
    if message is None or not permissions.can_read_conversation(user, message.conversation):
        raise NotFound()
    return message


def flag_message(user: User, message: ConversationMessage, reason: str, text: str = "") -> MessageFlag:
    """One flag per member per message; the message's open "message" item gathers them."""
    if not permissions.can_read_conversation(user, message.conversation):
        raise NotFound()
    if not permissions.can_flag_message(user, message.conversation, message):
        raise PermissionDenied()
    if reason not in dict(moderation.flag_reason_choices()):
        raise ValidationFailed({"reason": _("Choose a reason.")})
    text = (text or "").strip()[:MAX_FLAG_TEXT]
    if reason == "other" and not text:
        raise ValidationFailed({"text": _("Tell the moderators what is wrong.")})
    if db.session.scalar(select(MessageFlag.id).where(MessageFlag.message_id == message.id,
                                                      MessageFlag.user_id == user.id)):
        raise ValidationFailed(_("You already flagged this message."))
    flag = MessageFlag(message_id=message.id, user_id=user.id, reason=reason[:80], text=text or None,
                       created_at=utcnow())
    db.session.add(flag)
    item = moderation.open_subject_item(ReviewKind.MESSAGE, message.id, ReviewReason.FLAGS, None, message.user_id)
    item.score = float(item.score or 0) + 1.0  # one participant, one flag: the queue orders nothing by it
    try:
        db.session.commit()
    except IntegrityError as exc:  # a double click, or another participant's first flag at the same time
        db.session.rollback()
        raise ValidationFailed(_("You already flagged this message, or it was just flagged: please try "
                                 "again.")) from exc
    return flag


def flagged_message_ids(user: Any, message_ids: list[int]) -> set[int]:
    """Which of these messages the reader already flagged (one query)."""
    if not user.is_authenticated or not message_ids:
        return set()
    return set(db.session.scalars(select(MessageFlag.message_id).where(MessageFlag.user_id == user.id,
                                                                       MessageFlag.message_id.in_(message_ids))))


# --- break-glass reading -------------------------------------------------------------------------

def get_conversation_for_break_glass(user: Any, conversation_id: int) -> Conversation:
    """Only admins reach the break-glass page; for everyone else the conversation does not exist."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not permissions.can_break_glass(user):
        raise NotFound()
    return conversation


def break_glass(admin: User, conversation: Conversation, reason: str) -> datetime:
    """Audit, tell the participants, then grant the admin a read-only look for a while."""
    if not permissions.can_break_glass(admin):
        raise NotFound()
    reason = one_line(reason or "")[:MAX_REASON]
    if len(reason) < 10:
        raise ValidationFailed({"reason": _("Say why you must read this conversation (at least 10 characters): "
                                            "its participants will read it.")})
    try:
        record_action(admin, "message.break_glass_read", "conversation", conversation.id, reason=reason,
                      after={"minutes": BREAK_GLASS_MINUTES})
        add_notice(conversation, admin, "read_by_admin", reason=reason)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    expires = utcnow() + timedelta(minutes=BREAK_GLASS_MINUTES)
    grants = {k: v for k, v in dict(session.get(_GRANTS) or {}).items() if float(v[1]) > utcnow().timestamp()}
    grants[str(conversation.id)] = [admin.id, expires.timestamp()]
    session[_GRANTS] = grants
    return expires


def break_glass_expiry(user: Any, conversation: Conversation) -> datetime | None:
    """When the admin's grant for this conversation ends; None when there is none (or it ended,
    or the admin is no longer an admin)."""
    if not permissions.can_break_glass(user):
        return None
    grant = (session.get(_GRANTS) or {}).get(str(conversation.id))
    if not grant or int(grant[0]) != user.id:
        return None
    expires = datetime.fromtimestamp(float(grant[1]), tz=utcnow().tzinfo)
    return expires if expires > utcnow() else None


def break_glass_conversation_ids(user: Any) -> set[int]:
    """The conversations the admin reads through a live grant (their files are readable too,
    for the grant's time: a photo is part of what the admin must judge). Empty outside a request."""
    if not has_request_context() or not permissions.can_break_glass(user):
        return set()
    now = utcnow().timestamp()
    return {int(key) for key, grant in dict(session.get(_GRANTS) or {}).items()
            if int(grant[0]) == user.id and float(grant[1]) > now}


def break_glass_messages(user: Any, conversation: Conversation) -> tuple[list[ConversationMessage], datetime]:
    """The whole conversation, read-only, while the admin's grant lasts; 404 otherwise."""
    expires = break_glass_expiry(user, conversation)
    if expires is None:
        raise NotFound()
    messages = list(db.session.scalars(select(ConversationMessage).options(joinedload(ConversationMessage.author))
                                       .where(ConversationMessage.conversation_id == conversation.id)
                                       .order_by(ConversationMessage.number)))
    return messages, expires


def is_notice(message: ConversationMessage) -> bool:
    return message.kind == MessageKind.NOTICE
