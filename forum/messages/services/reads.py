"""Reading conversations: the inbox, a group's inbox, one conversation, the unread count.

Each list is a keyset page (:mod:`forum.pagination`) in a fixed number of queries whatever its
length: the rows, then everything they show (participants, groups, last messages) by id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import g, has_request_context
from sqlalchemy import func, select
from sqlalchemy.orm import aliased, joinedload

from forum.accounts.models import User
from forum.errors import NotFound
from forum.extensions import db
from forum.pagination import Page, after, decode_cursor, encode_cursor, page_of
from forum.settings import get_setting
from forum.staff.models import StaffGroup, StaffMembership
from forum.staff.services import badge_load_options

from .. import permissions
from ..models import (
    Conversation,
    ConversationMessage,
    ConversationParticipant,
    GroupInbox,
    GroupReadState,
)

OPEN_INBOXES = "messages_open_inboxes"  # setting: ids of the staff groups whose inbox is open
PER_PAGE = 30
MAX_MESSAGES = 500  # shown on one conversation page (the newest ones)


def get_readable_conversation(user: Any, conversation_id: int) -> Conversation:
    """The conversation if ``user`` may read it; NotFound otherwise (also when it exists)."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or not permissions.can_read_conversation(user, conversation):
        raise NotFound()
    return conversation


@dataclass
class InboxRow:
    conversation: Conversation
    unread: int
    others: list[User] = field(default_factory=list)   # the other participants (not left)
    group: StaffGroup | None = None
    last_message: ConversationMessage | None = None
    archived: bool = False
    taken_by: User | None = None  # a group's conversation: its assignee while still in the group


def _rows_details(rows: list[InboxRow], viewer: Any) -> None:
    """Participants, groups and last messages of a page of rows: three queries whatever its length."""
    ids = [row.conversation.id for row in rows]
    if not ids:
        return
    others: dict[int, list[User]] = {}
    for participant in db.session.scalars(
            select(ConversationParticipant).options(joinedload(ConversationParticipant.user))
            .where(ConversationParticipant.conversation_id.in_(ids), ConversationParticipant.left_at.is_(None),
                   ConversationParticipant.user_id != viewer.id).order_by(ConversationParticipant.id)):
        others.setdefault(participant.conversation_id, []).append(participant.user)
    group_ids = {row.conversation.group_id for row in rows if row.conversation.group_id}
    groups = {group.id: group for group in db.session.scalars(
        select(StaffGroup).where(StaffGroup.id.in_(group_ids)))} if group_ids else {}
    last_ids = [row.conversation.last_message_id for row in rows if row.conversation.last_message_id]
    last = {m.id: m for m in db.session.scalars(
        select(ConversationMessage).options(joinedload(ConversationMessage.author))
        .where(ConversationMessage.id.in_(last_ids)))} if last_ids else {}
    for row in rows:
        row.others = others.get(row.conversation.id, [])
        row.group = groups.get(row.conversation.group_id or 0)
        row.last_message = last.get(row.conversation.last_message_id or 0)


def inbox(user: User, cursor: str | None = None, *, archived: bool = False,
          per_page: int = PER_PAGE) -> Page[InboxRow]:
    """The member's conversations, latest activity first (archived ones apart)."""
    query = (select(ConversationParticipant, Conversation)
             .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
             .where(ConversationParticipant.user_id == user.id, ConversationParticipant.left_at.is_(None),
                    ConversationParticipant.archived_at.is_not(None) if archived
                    else ConversationParticipant.archived_at.is_(None)))
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(after(ConversationParticipant.last_message_at, ConversationParticipant.conversation_id,
                                  position, descending=True))
    found = db.session.execute(query.order_by(ConversationParticipant.last_message_at.desc(),
                                              ConversationParticipant.conversation_id.desc())
                               .limit(per_page + 1)).all()
    rows = [InboxRow(conversation, max(0, conversation.last_message_number - participant.last_read_number),
                     archived=participant.archived_at is not None) for participant, conversation in found]
    stamps = {conversation.id: participant.last_message_at for participant, conversation in found}
    page = page_of(rows, per_page, lambda row: encode_cursor(stamps[row.conversation.id], row.conversation.id))
    _rows_details(page.items, user)
    return page


def group_inbox(user: User, group: StaffGroup, cursor: str | None = None, *,
                per_page: int = PER_PAGE) -> Page[InboxRow]:
    """A staff group's conversations for one of its members, latest activity first."""
    reads = (select(GroupReadState.conversation_id, GroupReadState.last_read_number)
             .where(GroupReadState.user_id == user.id).subquery())
    # An assignee who left the group took nothing any more: the row says nobody took it.
    still_in = (select(StaffMembership.user_id).where(StaffMembership.group_id == group.id)
                .subquery())
    query = (select(Conversation, func.coalesce(reads.c.last_read_number, 0), still_in.c.user_id.is_not(None))
             .options(joinedload(Conversation.assigned_to), joinedload(Conversation.created_by))
             .outerjoin(reads, reads.c.conversation_id == Conversation.id)
             .outerjoin(still_in, still_in.c.user_id == Conversation.assigned_to_id)
             .where(Conversation.group_id == group.id))
    position = decode_cursor(cursor)
    if position is not None:
        query = query.where(after(Conversation.last_message_at, Conversation.id, position, descending=True))
    found = db.session.execute(query.order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
                               .limit(per_page + 1)).all()
    rows = [InboxRow(conversation, max(0, conversation.last_message_number - int(read)),
                     taken_by=conversation.assigned_to if taken else None)
            for conversation, read, taken in found]
    page = page_of(rows, per_page,
                   lambda row: encode_cursor(row.conversation.last_message_at, row.conversation.id))
    _rows_details(page.items, user)
    return page


@dataclass
class ConversationView:
    conversation: Conversation
    messages: list[ConversationMessage]
    participants: list[ConversationParticipant]
    viewer: ConversationParticipant | None
    group: StaffGroup | None
    signers: dict[int, StaffGroup]
    last_read_number: int
    earlier: bool  # older messages are not shown
    taken_by: User | None = None  # a group's conversation: its assignee while still in the group


def conversation_page(user: User, conversation: Conversation) -> ConversationView:
    """What the conversation's page shows, in a fixed number of queries."""
    participants = list(db.session.scalars(
        select(ConversationParticipant)
        .options(joinedload(ConversationParticipant.user).options(*badge_load_options()))
        .where(ConversationParticipant.conversation_id == conversation.id).order_by(ConversationParticipant.id)))
    viewer = next((p for p in participants if p.user_id == user.id), None)
    messages = list(db.session.scalars(
        # Authors with their staff badges: a signed reply shows its writer's title and group.
        select(ConversationMessage).options(joinedload(ConversationMessage.author).options(*badge_load_options()))
        .where(ConversationMessage.conversation_id == conversation.id)
        .order_by(ConversationMessage.number.desc()).limit(MAX_MESSAGES + 1)))
    earlier = len(messages) > MAX_MESSAGES
    messages = list(reversed(messages[:MAX_MESSAGES]))
    group_ids = {m.signed_group_id for m in messages if m.signed_group_id}
    if conversation.group_id:
        group_ids.add(conversation.group_id)
    groups = {group.id: group for group in db.session.scalars(
        select(StaffGroup).where(StaffGroup.id.in_(group_ids)))} if group_ids else {}
    if viewer is not None and viewer.left_at is None:
        read = viewer.last_read_number
    else:
        read = int(db.session.scalar(select(GroupReadState.last_read_number).where(
            GroupReadState.conversation_id == conversation.id, GroupReadState.user_id == user.id)) or 0)
    assignee = conversation.assigned_to
    taken_by = assignee if assignee is not None and permissions.in_group(assignee, conversation.group_id) else None
    return ConversationView(conversation, messages, participants, viewer,
                            groups.get(conversation.group_id or 0), groups, read, earlier, taken_by)


def unread_count(user: Any) -> int:
    """The header's number: conversations with something unread (the member's own, and their
    groups' conversations). One query, once per request."""
    if not user.is_authenticated:
        return 0
    key = "unread_conversations"
    if has_request_context() and key in g:
        return int(g.get(key))
    own = (select(func.count()).select_from(ConversationParticipant)
           .join(Conversation, Conversation.id == ConversationParticipant.conversation_id)
           .where(ConversationParticipant.user_id == user.id, ConversationParticipant.left_at.is_(None),
                  Conversation.last_message_number > ConversationParticipant.last_read_number)
           .scalar_subquery())
    count_query = select(own)
    if user.is_staff_member:
        reads = (select(GroupReadState.conversation_id, GroupReadState.last_read_number)
                 .where(GroupReadState.user_id == user.id).subquery())
        # Taken by someone who left the group: nobody's, so unread for every member.
        member = aliased(StaffMembership)
        assignee_in_group = select(member.user_id).where(member.group_id == Conversation.group_id)
        groups = (select(func.count()).select_from(Conversation)
                  .join(StaffMembership, StaffMembership.group_id == Conversation.group_id)
                  .outerjoin(reads, reads.c.conversation_id == Conversation.id)
                  .where(StaffMembership.user_id == user.id,
                         Conversation.last_message_number > func.coalesce(reads.c.last_read_number, 0),
                         Conversation.assigned_to_id.is_(None) | (Conversation.assigned_to_id == user.id)
                         | ~Conversation.assigned_to_id.in_(assignee_in_group))
                  .scalar_subquery())
        count_query = select(own + groups)
    count = int(db.session.scalar(count_query) or 0)
    if has_request_context():
        setattr(g, key, count)
    return count


def member_groups_with_inbox(user: Any) -> list[StaffGroup]:
    """The staff groups ``user`` belongs to whose inbox is open (their group inbox links)."""
    if not user.is_authenticated or not user.is_staff_member:
        return []
    return list(db.session.scalars(
        select(StaffGroup).join(StaffMembership, StaffMembership.group_id == StaffGroup.id)
        .join(GroupInbox, GroupInbox.group_id == StaffGroup.id)
        .where(StaffMembership.user_id == user.id, GroupInbox.enabled.is_(True))
        .order_by(StaffGroup.position, StaffGroup.name)))


def open_inboxes() -> list[tuple[StaffGroup, GroupInbox]]:
    """The staff groups that take messages, for the contact page (one query)."""
    return [(group, inbox) for group, inbox in db.session.execute(
        select(StaffGroup, GroupInbox).join(GroupInbox, GroupInbox.group_id == StaffGroup.id)
        .where(GroupInbox.enabled.is_(True)).order_by(StaffGroup.position, StaffGroup.name))]


def all_inboxes() -> list[tuple[StaffGroup, GroupInbox]]:
    """Every group's inbox row, open or not (the admin's page)."""
    return [(group, inbox) for group, inbox in db.session.execute(
        select(StaffGroup, GroupInbox).join(GroupInbox, GroupInbox.group_id == StaffGroup.id))]


def group_by_name(name: str) -> StaffGroup | None:
    return db.session.scalar(select(StaffGroup).where(func.lower(StaffGroup.name) == name.strip().lower()))


def open_inbox_group_ids() -> set[int]:
    """Groups whose inbox is open (badges link to it). Read from the settings, which every page
    loads anyway (one query per request for all of them), so badges cost no query of their own;
    :func:`forum.messages.services.configure_inbox` keeps the setting in step with the table."""
    return {int(i) for i in (get_setting(OPEN_INBOXES) or [])}
