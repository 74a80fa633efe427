"""Who may read and do what in private conversations: the one place these rules are written.

Readers are the conversation's participants who have not left, and, for a staff group's
conversation, the members of that group. Nobody else: not moderators, not admins (an admin's
break-glass reading is its own audited path), not the API, search or feeds. Every view answers
a non-reader with 404 (never 403): a conversation's existence is private too.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.accounts import trust
from forum.accounts.permissions import posting_block_reason
from forum.discussions.permissions import outranks
from forum.extensions import db
from forum.plugins import is_new_member
from forum.settings import get_setting
from forum.staff.models import StaffMembership

from .models import Conversation, ConversationParticipant, ParticipantRole


def participant_of(user: Any, conversation: Conversation) -> ConversationParticipant | None:
    """The user's participant row (left or not), or None (one query)."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(select(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.user_id == user.id))


def in_group(user: Any, group_id: int | None) -> bool:
    if group_id is None or not user.is_authenticated:
        return False
    return db.session.scalar(select(StaffMembership.id).where(
        StaffMembership.user_id == user.id, StaffMembership.group_id == group_id).limit(1)) is not None


def can_read_conversation(user: Any, conversation: Conversation) -> bool:
    """A participant who has not left, or a member of the group the conversation belongs to."""
    if not user.is_authenticated:
        return False
    participant = participant_of(user, conversation)
    if participant is not None and participant.left_at is None:
        return True
    return in_group(user, conversation.group_id)


def can_use_messages(user: Any) -> bool:
    """Members who may post may write messages (a silenced or unverified member may not)."""
    return bool(user.is_authenticated) and posting_block_reason(user) in (None, "coc")


def is_new_for_messages(user: Any) -> bool:
    """The shared "new member" test with the messages' own thresholds: a new member writes to
    staff groups' inboxes only (private messages are where spammers go when posts are held).
    Staff and moderators are never new."""
    if user.is_moderator or user.is_staff_member:
        return False
    return is_new_member(user, posts=int(get_setting("messages_new_member_posts") or 0),
                         days=int(get_setting("messages_new_member_days") or 0))


def can_message_members(user: Any) -> bool:
    """May start a conversation with other members (not only with a group's inbox): not new,
    and a trust level reaching ``trust_level_to_message`` (forum.accounts.trust)."""
    return can_use_messages(user) and not is_new_for_messages(user) and trust.may(user, "message")


def can_invite(user: Any, conversation: Conversation, participant: ConversationParticipant | None) -> bool:
    """The owner, or any participant when the owner lets members invite. A group's
    conversation takes no guests: it is between the member and the group. Inviting reaches a
    member as a message does: only who may message members invites (not a silenced or new one)."""
    if conversation.group_id is not None or participant is None or participant.left_at is not None:
        return False
    if not can_message_members(user):
        return False
    return participant.role == ParticipantRole.OWNER or bool(conversation.members_may_invite)


def can_assign(user: Any, conversation: Conversation) -> bool:
    """Members of the owning group take a group's conversation for themselves."""
    return conversation.group_id is not None and in_group(user, conversation.group_id)


def can_leave(participant: ConversationParticipant | None) -> bool:
    return participant is not None and participant.left_at is None


# --- flags, break-glass reading, moving public posts to private (forum.messages.moderation, .moving) ---

def can_flag_message(user: Any, conversation: Conversation, message: Any) -> bool:
    """A reader flags someone else's published text (a notice or their own text is not theirs to report)."""
    return (can_read_conversation(user, conversation) and message.kind == "text" and message.state == "published"
            and message.user_id != user.id)


def can_break_glass(user: Any) -> bool:
    """Admins only, and only through the audited break-glass page: moderators never read messages."""
    return bool(user.is_authenticated and user.is_admin)


def can_move_to_private(user: Any, post: Any) -> bool:
    """Staff (staff-group members, moderators, admins) continue a member's published post in private;
    a moderator who is not staff of the brand may not act on a higher rank's post."""
    if not (user.is_authenticated and user.is_staff) or post.state != "published" or post.user_id is None:
        return False
    author = post.author
    return author is not None and author.id != user.id and (user.is_admin or not author.is_staff)


def can_post_public_summary(user: Any, conversation: Conversation) -> bool:
    """A staff reader of a conversation moved from a topic posts the summary back there."""
    return bool(user.is_authenticated and user.is_staff and conversation.origin_topic_id is not None
                and can_read_conversation(user, conversation))


def can_hide_flagged_message(actor: Any, message: Any) -> bool:
    """A reviewer hides a flagged message by the queue's rank rule: only people of lower rank's."""
    return bool(actor.is_authenticated and actor.is_moderator and outranks(actor, message.author))
