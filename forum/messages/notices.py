"""What members hear about conversations: the notification kinds and the fan-out job.

Writing a message queues ONE job in its transaction (``messages.notify``); the job notifies,
once per message (dedupe key ``message:<id>``), every reader who did not write it: the other
participants who have not left, and for a group's conversation its assignee, or every member
of the group while nobody took it (or its assignee left the group). The notice says who wrote
and the conversation's title, never the text: a mail or a bell shows nothing of the
conversation itself. Message kinds are ``private``: never in a summary mail (:mod:`forum.notifications.digests`).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import jobs
from forum.accounts.models import User
from forum.extensions import db
from forum.notifications import Delivery, NotificationKind, register_kinds
from forum.notifications.kinds import Params
from forum.notifications.services import NewNotice, notify_all
from forum.staff.models import StaffGroup, StaffMembership

from .models import Conversation, ConversationMessage, ConversationParticipant, MessageKind, MessageState

JOB = "messages.notify"

MESSAGE_NEW = "message_new"          # someone started a conversation with you (or added you)
MESSAGE_REPLY = "message_reply"      # a new message in a conversation you are in
GROUP_MESSAGE = "group_message"      # a message to a group you belong to


def _new(p: Params) -> str:
    return _("%(actor)s sent you a private message: “%(title)s”", actor=p["actor"], title=p["title"])


def _reply(p: Params) -> str:
    return _("%(actor)s wrote in the conversation “%(title)s”", actor=p["actor"], title=p["title"])


def _group(p: Params) -> str:
    return _("%(actor)s wrote to %(group)s: “%(title)s”", actor=p["actor"], group=p["group"], title=p["title"])


def _is_staff(user: Any) -> bool:
    return bool(getattr(user, "is_staff_member", False))


KINDS = (
    NotificationKind(MESSAGE_NEW, message=_new, subject=_new, default_delivery=Delivery.EMAIL,
                     label=_l("Someone sends you a private message"), private=True),
    NotificationKind(MESSAGE_REPLY, message=_reply, subject=_reply, default_delivery=Delivery.EMAIL,
                     label=_l("A new message in one of your conversations"), private=True),
    NotificationKind(GROUP_MESSAGE, message=_group, subject=_group, default_delivery=Delivery.EMAIL,
                     label=_l("A message to your staff group's inbox"), private=True, audience=_is_staff),
)


def init_app(app: Flask) -> None:
    register_kinds(app, *KINDS)
    jobs.register_job(app, jobs.JobType(JOB, run_notify, max_attempts=5))


def queue_message_notices(message: ConversationMessage) -> None:
    """In the message's transaction (after its flush): the fan-out runs after the commit."""
    jobs.enqueue(JOB, {"message": message.id}, dedupe_key=f"messages.notify:{message.id}")


def recipients(message: ConversationMessage) -> list[tuple[User, str]]:
    """Who hears of ``message`` and with which kind (bounded queries: participants, group)."""
    conversation = message.conversation
    first = message.number == 1
    people: dict[int, tuple[User, str]] = {}
    for user, joined_number in db.session.execute(
            select(User, ConversationParticipant.last_read_number).join(
                ConversationParticipant, ConversationParticipant.user_id == User.id)
            .where(ConversationParticipant.conversation_id == conversation.id,
                   ConversationParticipant.left_at.is_(None))):
        kind = MESSAGE_NEW if first or joined_number == 0 else MESSAGE_REPLY
        people[user.id] = (user, kind)
    if conversation.group_id is not None:
        members = list(db.session.scalars(select(User).join(StaffMembership, StaffMembership.user_id == User.id)
                                          .where(StaffMembership.group_id == conversation.group_id)))
        # The assignee while still in the group; one who left it hears nothing (they no longer
        # read it) and the group hears instead, as if nobody took it.
        taken = [user for user in members if user.id == conversation.assigned_to_id]
        for user in taken or members:
            people.setdefault(user.id, (user, GROUP_MESSAGE))
    people.pop(message.user_id or 0, None)
    return list(people.values())


def conversation_path(conversation: Conversation, number: int | None = None) -> str:
    """The one way to a conversation's page (and a message in it), for notices and mail."""
    path: str = url_for("messages.conversation", conversation_id=conversation.id, _external=False)
    return f"{path}#m{number}" if number is not None else path


def run_notify(payload: dict[str, Any]) -> None:
    message = db.session.get(ConversationMessage, int(payload.get("message") or 0))
    if message is None or message.kind != MessageKind.TEXT or message.state != MessageState.PUBLISHED:
        return
    conversation: Conversation = message.conversation
    author = message.author
    group = db.session.get(StaffGroup, conversation.group_id) if conversation.group_id else None
    signer = db.session.get(StaffGroup, message.signed_group_id) if message.signed_group_id else None
    actor = signer.name if signer is not None else (author.display_name if author is not None else "?")
    url = conversation_path(conversation, message.number)
    notices = []
    for user, kind in recipients(message):
        params = {"actor": actor, "title": conversation.title}
        if kind == GROUP_MESSAGE:
            params["group"] = group.name if group is not None else ""
        notices.append(NewNotice(user, kind, params, url=url, dedupe_key=f"message:{message.id}",
                                 actor_id=message.user_id))
    notify_all(notices)
    db.session.commit()
