"""Who is in a conversation and how they keep it: archive, leave, invite, assign, block."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, delete, or_, select

from forum.accounts.models import User
from forum.accounts.states import can_read_as_member
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.notifications import notify

from .. import permissions
from ..models import Conversation, ConversationParticipant, MessageBlock, ParticipantRole
from ..notices import MESSAGE_NEW, conversation_path
from .writing import add_notice, blocked_by, mark_read_to


def _own_row(user: User, conversation: Conversation) -> ConversationParticipant:
    participant = permissions.participant_of(user, conversation)
    if participant is None or participant.left_at is not None:
        raise PermissionDenied()
    return participant


def mark_read(user: User, conversation: Conversation, number: int | None = None) -> None:
    """The reader saw the conversation up to ``number`` (default: its last message; never past it). Commits."""
    last = conversation.last_message_number
    mark_read_to(user, conversation, last if number is None else max(0, min(number, last)))
    db.session.commit()


def set_archived(user: User, conversation: Conversation, archived: bool) -> None:
    """Out of the member's inbox until a new message arrives (or back in)."""
    participant = _own_row(user, conversation)
    participant.archived_at = utcnow() if archived else None
    db.session.commit()


def leave(user: User, conversation: Conversation) -> None:
    """The member stops reading it; the others see that they left. Their row stays."""
    participant = _own_row(user, conversation)
    participant.left_at = utcnow()
    add_notice(conversation, user, "left", user=user.username)
    db.session.commit()


def invite(actor: User, conversation: Conversation, invitee: User | None) -> None:
    participant = permissions.participant_of(actor, conversation)
    if not permissions.can_invite(actor, conversation, participant):
        raise PermissionDenied()
    if invitee is None or not can_read_as_member(invitee):
        raise ValidationFailed({"username": _("There is no member with this name.")})
    if blocked_by(actor, [invitee.id]):
        raise ValidationFailed({"username": _("%(name)s does not take messages from you.", name=invitee.username)})
    existing = permissions.participant_of(invitee, conversation)
    if existing is not None and existing.left_at is None:
        raise ValidationFailed({"username": _("%(name)s is already in this conversation.", name=invitee.username)})
    if _blocks_between(invitee, conversation):
        # Joining would let someone write to a member who blocks them: refused without saying whose block.
        raise ValidationFailed({"username": _("%(name)s can't be added to this conversation.",
                                              name=invitee.username)})
    if existing is not None:  # back after leaving: they read everything again, as the others do
        existing.left_at = None
        existing.archived_at = None
        existing.joined_at = existing.last_message_at = utcnow()  # back at the top of their inbox, as a newcomer
    else:
        db.session.add(ConversationParticipant(conversation_id=conversation.id, user_id=invitee.id,
                                               role=ParticipantRole.MEMBER))
    invited = add_notice(conversation, actor, "invited", user=invitee.username)
    notify(invitee, MESSAGE_NEW, {"actor": actor.display_name, "title": conversation.title},
           url=conversation_path(conversation), dedupe_key=f"message-invite:{conversation.id}:{invited.number}",
           actor_id=actor.id)
    db.session.commit()


def _blocks_between(invitee: User, conversation: Conversation) -> bool:
    """Whether ``invitee`` and a participant still in the conversation block each other, either way (one query)."""
    present = (select(ConversationParticipant.user_id)
               .where(ConversationParticipant.conversation_id == conversation.id,
                      ConversationParticipant.left_at.is_(None)))
    return db.session.scalar(select(MessageBlock.id).where(or_(
        and_(MessageBlock.user_id == invitee.id, MessageBlock.blocked_id.in_(present)),
        and_(MessageBlock.blocked_id == invitee.id, MessageBlock.user_id.in_(present)))).limit(1)) is not None


def set_members_may_invite(actor: User, conversation: Conversation, allowed: bool) -> None:
    participant = _own_row(actor, conversation)
    if participant.role != ParticipantRole.OWNER or conversation.group_id is not None:
        raise PermissionDenied()
    conversation.members_may_invite = allowed
    db.session.commit()


def assign(actor: User, conversation: Conversation, assignee: User | None) -> None:
    """A group member takes the conversation (``assignee`` = themselves) or lets it go (None)."""
    if not permissions.can_assign(actor, conversation):
        raise PermissionDenied()
    if assignee is not None and not permissions.in_group(assignee, conversation.group_id):
        raise PermissionDenied()
    if (conversation.assigned_to_id or None) == (assignee.id if assignee else None):
        return
    conversation.assigned_to_id = assignee.id if assignee is not None else None
    conversation.assigned_at = utcnow() if assignee is not None else None
    if assignee is None:
        add_notice(conversation, actor, "unassigned")
    else:
        add_notice(conversation, actor, "assigned", user=assignee.username, by_self=assignee.id == actor.id)
    db.session.commit()


# --- blocks -------------------------------------------------------------------------------------

def is_blocking(user: Any, other: Any) -> bool:
    if not user.is_authenticated or other is None:
        return False
    return db.session.scalar(select(MessageBlock.id).where(MessageBlock.user_id == user.id,
                                                           MessageBlock.blocked_id == other.id)) is not None


def block(user: User, other: User) -> None:
    """``other`` can no longer message ``user`` (staff groups' replies still reach them)."""
    if other.id == user.id:
        raise ValidationFailed({"username": _("You cannot block yourself.")})
    if not is_blocking(user, other):
        db.session.add(MessageBlock(user_id=user.id, blocked_id=other.id))
    db.session.commit()


def unblock(user: User, other: User) -> None:
    db.session.execute(delete(MessageBlock).where(MessageBlock.user_id == user.id,
                                                  MessageBlock.blocked_id == other.id))
    db.session.commit()
