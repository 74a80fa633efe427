"""Flagged private messages in moderation's review queue: messages' :class:`ReviewSubject`.

What a moderator sees is the least that lets them judge: the flagged message (text, author,
time), the one message before it (a reply is often judged by what it answers: "so are you",
"yes, that one"), and the flags. Not the conversation's title (titles carry order numbers and
names), not the other participants, not the rest of the conversation, and no link to it: the
conversation stays a 404 for moderators. Approve keeps the message (the flags are turned down);
reject hides it ("message removed" for the participants; its text stays for the record).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased, joinedload

from forum.accounts.models import User
from forum.errors import NotFound, PermissionDenied
from forum.extensions import db
from forum.moderation.models import ReviewKind

from . import permissions
from .models import ConversationMessage, MessageFlag, MessageKind, MessageState
from .services import set_message_state


@dataclass
class FlaggedMessage:
    """One queue item's content: the message, what it answers (or None) and its flags."""

    message: ConversationMessage
    previous: ConversationMessage | None = None
    flags: list[tuple[MessageFlag, User | None]] = field(default_factory=list)  # each flag and its author


class FlaggedMessages:
    kind = ReviewKind.MESSAGE.value
    template = "messages/moderation/_review_item.html"

    def load(self, subject_ids: list[int]) -> dict[int, Any]:
        """Three queries whatever the page holds: the messages, the ones before them, the flags."""
        if not subject_ids:
            return {}
        found = {m.id: FlaggedMessage(m) for m in db.session.scalars(
            select(ConversationMessage).options(joinedload(ConversationMessage.author))
            .where(ConversationMessage.id.in_(subject_ids)))}
        if not found:
            return {}
        flagged = aliased(ConversationMessage)
        earlier = aliased(ConversationMessage)
        before = (select(flagged.id.label("flagged_id"), flagged.conversation_id.label("conversation_id"),
                         func.max(earlier.number).label("number"))
                  .join(earlier, and_(earlier.conversation_id == flagged.conversation_id,
                                      earlier.number < flagged.number, earlier.kind == MessageKind.TEXT,
                                      # what the participants read: never a hidden text kept for the record
                                      earlier.state == MessageState.PUBLISHED))
                  .where(flagged.id.in_(list(found)))
                  .group_by(flagged.id, flagged.conversation_id).subquery())
        rows = db.session.execute(
            select(before.c.flagged_id, ConversationMessage).options(joinedload(ConversationMessage.author))
            .join(ConversationMessage, and_(ConversationMessage.conversation_id == before.c.conversation_id,
                                            ConversationMessage.number == before.c.number)))
        for flagged_id, message in rows:
            found[flagged_id].previous = message
        for flag, flagger in db.session.execute(
                select(MessageFlag, User).outerjoin(User, User.id == MessageFlag.user_id)
                .where(MessageFlag.message_id.in_(list(found))).order_by(MessageFlag.id)):
            found[flag.message_id].flags.append((flag, flagger))
        return dict(found)

    def _get(self, subject_id: int) -> ConversationMessage:
        message = db.session.get(ConversationMessage, subject_id)
        if message is None:
            raise NotFound()
        return message

    def approve(self, actor: Any, subject_id: int) -> list[tuple[str, dict[str, Any]]]:
        """Keep the message: the flags are turned down (the queue records the decision and the audit)."""
        self._get(subject_id)
        return []

    def reject(self, actor: Any, subject_id: int, reason: str) -> list[tuple[str, dict[str, Any]]]:
        message = self._get(subject_id)
        if not permissions.can_hide_flagged_message(actor, message):
            raise PermissionDenied()
        if message.state == MessageState.PUBLISHED:
            set_message_state(message, MessageState.HIDDEN, actor, reason)
        return []

    def author_of(self, subject: Any) -> Any:
        return subject.message.author if subject is not None else None
