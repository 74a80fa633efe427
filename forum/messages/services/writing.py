"""Writing conversations: starting one, replying, notices, and the one owner of message state
and of the conversation's counters.

Every write goes: permission -> validation -> content filters (``forum_filter_post`` with
``FilterContext(kind="message")``) -> write (conversation, participants, the message, its files,
counters with SQL arithmetic, the notification job) -> commit. A reject verdict is shown to the
author with their text kept. A ``require_approval`` verdict refuses to send too (text kept, with
a clear message): a private message cannot wait in the public review queue, where moderators
would read it. A ``flag`` verdict sends (participants can flag what they receive).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from forum import markup
from forum.accounts.models import User
from forum.accounts.services import find_by_usernames, resolve_usernames
from forum.accounts.states import can_read_as_member
from forum.db_types import utcnow
from forum.discussions.services import clean_body, clean_title
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.plugins import Draft, FilterContext, VerdictKind
from forum.plugins.manager import run_filters
from forum.settings import get_setting
from forum.staff.models import StaffGroup
from forum.uploads.models import ReferenceKind, UploadReference
from forum.uploads.services import record_target_files, resolver_for

from .. import permissions
from ..models import (
    Conversation,
    ConversationMessage,
    ConversationParticipant,
    GroupInbox,
    GroupReadState,
    MessageBlock,
    MessageKind,
    MessageState,
    ParticipantRole,
)
from ..notices import queue_message_notices

_NO_SYNC = {"synchronize_session": False}


# --- validation and judgement -------------------------------------------------------------------

def cook(raw: str, writer: Any) -> markup.Cooked:
    """A message's text as HTML, with the files ``writer`` may show (theirs, or ones they read)."""
    return markup.cook(raw, resolve_users=resolve_usernames, resolve_uploads=resolver_for(writer))


def preview(raw: str, writer: Any) -> str:
    return cook(raw[:int(current_app.config["MAX_POST_LENGTH"])], writer).html


def _judge(author: User, raw: str, title: str | None, ip: str | None) -> Draft:
    """The content filters, as for posts; a verdict that would hold the text refuses it instead."""
    draft = Draft(raw=raw, title=title)
    verdict, verdicts = run_filters("forum_filter_post", draft=draft, author=author,
                                    context=FilterContext(kind="message", ip=ip))
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"body": verdict.message or _("This message cannot be sent.")})
    if verdict.kind == VerdictKind.REQUIRE_APPROVAL:
        raise ValidationFailed({"body": _("This message cannot be sent as it is: our filters would need a moderator "
                                          "to review it, and private messages are not reviewed. Please change it, "
                                          "or write to the moderators. Your text is kept.")})
    for v in verdicts:
        if v.kind == VerdictKind.REWRITE and v.new_source is not None:
            draft.raw = v.new_source
    return draft


def blocked_by(author: User, user_ids: Sequence[int]) -> list[int]:
    """Which of ``user_ids`` block messages from ``author`` (one query)."""
    if not user_ids:
        return []
    return list(db.session.scalars(select(MessageBlock.user_id).where(
        MessageBlock.blocked_id == author.id, MessageBlock.user_id.in_(list(user_ids)))))


def blocked_by_viewer(viewer: Any, user_ids: Sequence[int]) -> list[int]:
    """Which of ``user_ids`` ``viewer`` blocks (one query)."""
    if not user_ids or not viewer.is_authenticated:
        return []
    return list(db.session.scalars(select(MessageBlock.blocked_id).where(
        MessageBlock.user_id == viewer.id, MessageBlock.blocked_id.in_(list(user_ids)))))


def message_by_number(conversation: Conversation, number: int) -> ConversationMessage | None:
    return db.session.scalar(select(ConversationMessage).where(
        ConversationMessage.conversation_id == conversation.id, ConversationMessage.number == number))


def _require_can_write(author: User) -> None:
    if not permissions.can_use_messages(author):
        raise PermissionDenied()


def enabled_inbox(group: StaffGroup) -> GroupInbox | None:
    return db.session.scalar(select(GroupInbox).where(GroupInbox.group_id == group.id,
                                                      GroupInbox.enabled.is_(True)))


def members_named(text: str) -> list[User]:
    """The members a "To" field names (separated by commas or semicolons, an optional @), in one
    query; a name nobody has is refused, naming it."""
    names = [name.strip().lstrip("@") for name in (text or "").replace(";", ",").split(",") if name.strip()]
    found = find_by_usernames(names)
    for name in names:
        if name not in found:
            raise ValidationFailed({"to": _("There is no member named %(name)s.", name=name)})
    return [found[name] for name in names]


def _recipients(author: User, to_users: Sequence[User]) -> list[User]:
    people: dict[int, User] = {}
    for user in to_users:
        if user is not None and user.id != author.id:
            people.setdefault(user.id, user)
    if not people:
        raise ValidationFailed({"to": _("Please name at least one member to write to.")})
    limit = int(get_setting("messages_max_recipients") or 0)
    if limit and len(people) > limit:
        raise ValidationFailed({"to": _("A conversation may have at most %(n)d other members.", n=limit)})
    for user in people.values():
        if not can_read_as_member(user):
            raise ValidationFailed({"to": _("%(name)s cannot receive messages.", name=user.username)})
    for user_id in blocked_by(author, list(people)):
        raise ValidationFailed({"to": _("%(name)s does not take messages from you.", name=people[user_id].username)})
    return list(people.values())


# --- counters (their one owner) -----------------------------------------------------------------

def _take_number(conversation: Conversation) -> int:
    """The next message number; the UPDATE locks the conversation's row until commit, so
    concurrent replies get distinct, consecutive numbers."""
    number = db.session.execute(
        update(Conversation).where(Conversation.id == conversation.id)
        .values(last_message_number=Conversation.last_message_number + 1)
        .returning(Conversation.last_message_number), execution_options=_NO_SYNC).scalar_one()
    set_committed_value(conversation, "last_message_number", number)
    return int(number)


def _refresh_last_message(conversation: Conversation) -> None:
    """``last_message_id``: the newest published text (what the inbox shows), in SQL."""
    newest = (select(func.max(ConversationMessage.id)).where(
        ConversationMessage.conversation_id == conversation.id, ConversationMessage.kind == MessageKind.TEXT,
        ConversationMessage.state == MessageState.PUBLISHED).scalar_subquery())
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id)
                       .values(last_message_id=newest), execution_options=_NO_SYNC)
    db.session.expire(conversation, ["last_message_id"])


def _count_text(conversation: Conversation, delta: int) -> None:
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id)
                       .values(message_count=Conversation.message_count + delta), execution_options=_NO_SYNC)
    db.session.expire(conversation, ["message_count"])


def _bump_activity(conversation: Conversation, message: ConversationMessage) -> None:
    """A new text moves the conversation up every inbox and out of the archives."""
    now = message.created_at
    db.session.execute(update(Conversation).where(Conversation.id == conversation.id)
                       .values(last_message_at=now, last_message_id=message.id), execution_options=_NO_SYNC)
    db.session.execute(update(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.left_at.is_(None))
        .values(last_message_at=now, archived_at=None), execution_options=_NO_SYNC)
    db.session.expire(conversation, ["last_message_at", "last_message_id"])


def mark_read_to(user: User, conversation: Conversation, number: int) -> None:
    """The reader's pointer moves forward to ``number`` (never back), as a participant or, for a
    group's conversation they are not in, as a member of the group. In the caller's transaction."""
    moved = db.session.execute(update(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.user_id == user.id,
        ConversationParticipant.left_at.is_(None), ConversationParticipant.last_read_number < number)
        .values(last_read_number=number), execution_options=_NO_SYNC).rowcount  # type: ignore[attr-defined]
    if moved or conversation.group_id is None or not permissions.in_group(user, conversation.group_id):
        return
    state = db.session.scalar(select(GroupReadState).where(GroupReadState.conversation_id == conversation.id,
                                                           GroupReadState.user_id == user.id))
    if state is None:
        db.session.add(GroupReadState(conversation_id=conversation.id, user_id=user.id, last_read_number=number))
    elif state.last_read_number < number:
        state.last_read_number = number


def _append(conversation: Conversation, author: User | None, raw: str, *, kind: str = MessageKind.TEXT,
            signed_group_id: int | None = None, notice: dict[str, Any] | None = None,
            ip: str | None = None) -> ConversationMessage:
    number = _take_number(conversation)
    message = ConversationMessage(conversation=conversation, number=number, user_id=author.id if author else None,
                                  kind=kind, raw=raw, cooked="", cook_version=markup.COOK_VERSION,
                                  signed_group_id=signed_group_id, notice=notice, created_at=utcnow(),
                                  state=MessageState.PUBLISHED, ip_address=ip)
    db.session.add(message)
    if kind == MessageKind.TEXT:
        cooked = cook(raw, author)
        message.cooked = cooked.html
        db.session.flush()
        record_target_files(ReferenceKind.MESSAGE, message.id, cooked.uploads, author)
        _count_text(conversation, 1)
        _bump_activity(conversation, message)
        if author is not None:
            mark_read_to(author, conversation, number)
        queue_message_notices(message)
    else:
        db.session.flush()
        if author is not None:  # one's own notice ("you invited Carol") is nothing new to read
            mark_read_to(author, conversation, number)
    return message


# --- writes -------------------------------------------------------------------------------------

def start_conversation(author: User, title: str, body: str, *, to_users: Sequence[User] = (),
                       to_group: StaffGroup | None = None, origin_topic: Any = None, origin_post: Any = None,
                       commit: bool = True, ip: str | None = None) -> Conversation:
    """Start a conversation with members (``to_users``) or with a staff group's inbox
    (``to_group``, which must be open). ``commit=False`` leaves the transaction to the caller
    (moving a public topic into a conversation); the notification job is queued either way."""
    _require_can_write(author)
    if (to_group is None) == (not to_users):
        raise ValidationFailed({"to": _("Write either to members or to a staff group.")})
    recipients: list[User] = []
    if to_group is not None:
        if enabled_inbox(to_group) is None:
            raise ValidationFailed({"to": _("This staff group does not take messages.")})
    else:
        if not permissions.can_message_members(author):
            raise ValidationFailed({"to": _("New members can write to the staff's inboxes only (see the contact "
                                            "page). You can message other members after taking part a little.")})
        recipients = _recipients(author, to_users)
    clean = clean_title(title)
    raw = clean_body(body)
    draft = _judge(author, raw, clean, ip)
    try:
        conversation = Conversation(title=draft.title or clean, created_by_id=author.id, created_at=utcnow(),
                                    group_id=to_group.id if to_group is not None else None,
                                    members_may_invite=False, message_count=0, last_message_number=0,
                                    last_message_at=utcnow(),
                                    origin_topic_id=getattr(origin_topic, "id", None),
                                    origin_post_id=getattr(origin_post, "id", None))
        db.session.add(conversation)
        db.session.flush()
        if to_group is None or not permissions.in_group(author, to_group.id):
            # A member of the group (staff continuing a post in private) reads it as the group,
            # not as a participant: leaving the group ends their reading of it.
            db.session.add(ConversationParticipant(conversation_id=conversation.id, user_id=author.id,
                                                   role=ParticipantRole.OWNER))
        for user in recipients:
            db.session.add(ConversationParticipant(conversation_id=conversation.id, user_id=user.id,
                                                   role=ParticipantRole.MEMBER))
        db.session.flush()
        _append(conversation, author, draft.raw, ip=ip)
        if commit:
            db.session.commit()
    except Exception:
        if commit:
            db.session.rollback()
        raise
    return conversation


def post_message(author: User, conversation: Conversation, body: str, *, commit: bool = True,
                 ip: str | None = None) -> ConversationMessage:
    """A reply. A member of the owning group writes for the group: the message is signed with it."""
    if not permissions.can_read_conversation(author, conversation):
        raise PermissionDenied()
    _require_can_write(author)
    signed = conversation.group_id if permissions.in_group(author, conversation.group_id) else None
    if conversation.group_id is None:
        others = list(db.session.scalars(select(ConversationParticipant.user_id).where(
            ConversationParticipant.conversation_id == conversation.id, ConversationParticipant.left_at.is_(None),
            ConversationParticipant.user_id != author.id)))
        if blocked_by(author, others):
            raise ValidationFailed({"body": _("A member of this conversation does not take messages from you. "
                                              "Your text is kept.")})
    raw = clean_body(body)
    draft = _judge(author, raw, None, ip)
    try:
        message = _append(conversation, author, draft.raw, signed_group_id=signed, ip=ip)
        if commit:
            db.session.commit()
    except Exception:
        if commit:
            db.session.rollback()
        raise
    return message


def add_notice(conversation: Conversation, actor: User | None, event: str, **data: Any) -> ConversationMessage:
    """A NOTICE ("bob left", "alice added carol") in the caller's transaction (no commit).
    ``data`` is JSON (names, not objects); :func:`forum.messages.notice_text.notice_text`
    renders it, translated, for whoever reads."""
    return _append(conversation, actor, "", kind=MessageKind.NOTICE, notice={"event": event, **data})


def set_message_state(message: ConversationMessage, state: MessageState | str, actor: User | None,
                      reason: str | None) -> None:
    """The one owner of a message's state and of its conversation's counters, in the caller's
    transaction. REMOVED wipes the text (and lets its files go): it cannot be published again.
    HIDDEN keeps the text for the record; publishing it again restores it."""
    state = MessageState(state)
    old = MessageState(message.state)
    if state == old:
        return
    if old == MessageState.REMOVED:
        raise ValidationFailed({"state": _("A removed message cannot be restored: its text is gone.")})
    conversation = message.conversation
    message.state = state
    message.state_changed_at = utcnow()
    message.state_changed_by_id = actor.id if actor is not None else None
    message.state_reason = (reason or "").strip()[:2000] or None
    if state == MessageState.REMOVED:
        message.raw = ""
        message.cooked = ""
        # Its files go with the text (the collector removes a file nothing else uses).
        db.session.execute(delete(UploadReference).where(UploadReference.target_kind == ReferenceKind.MESSAGE,
                                                         UploadReference.target_id == message.id))
    if message.kind == MessageKind.TEXT:
        if old == MessageState.PUBLISHED:
            _count_text(conversation, -1)
        elif state == MessageState.PUBLISHED:
            _count_text(conversation, 1)
    db.session.flush()
    _refresh_last_message(conversation)


def withdraw_message(user: User, message: ConversationMessage) -> None:
    """The author takes a message back: "message removed" for everyone, text gone."""
    if message.user_id != user.id or message.kind != MessageKind.TEXT \
            or not permissions.can_read_conversation(user, message.conversation):
        raise PermissionDenied()
    set_message_state(message, MessageState.REMOVED, user, None)
    db.session.commit()

