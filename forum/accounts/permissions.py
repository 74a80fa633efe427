"""Member states and what they allow: the one place each account rule is written.

"May this member post?" is answered here from the member's own state (verified, silenced,
code of conduct accepted, approved). Domains above accounts extend it through a registered
:class:`~forum.accounts.interfaces.PostingRule` (moderation: an application still waiting),
never by being imported here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from markupsafe import escape

from forum.registry import contributions

from .code_of_conduct import current_coc_version
from .interfaces import PostingRule, SitePause
from .states import (
    MemberState,
    can_read_as_member,
    is_active_member,
    is_silenced,
    is_suspended,
    member_state,
    state_ends_at,
)

__all__ = [
    "MemberState",
    "PostingBlock",
    "can_administer",
    "can_ignore",
    "can_read_as_member",
    "is_active_member",
    "is_silenced",
    "is_suspended",
    "member_state",
    "posting_block",
    "posting_block_message",
    "posting_block_reason",
]

# The block code each state that may not post answers with (codes predate the states).
_BLOCK_CODES = {
    MemberState.VISITOR: "anonymous",
    MemberState.UNVERIFIED: "unverified",
    MemberState.SILENCED: "silenced",
    MemberState.SUSPENDED: "suspended",
    MemberState.PENDING: "unapproved",
    MemberState.REJECTED: "rejected",
}


def posting_block_reason(user: Any) -> str | None:
    """Why ``user`` cannot post anything right now, as a code, or None if they can.

    Derived from :func:`member_state`. Codes: "anonymous", "unverified", "silenced",
    "suspended", "unapproved" (application waiting), "rejected" (application refused), "coc" (must accept the
    current code of conduct; the draft is kept while they do). An active member never
    approved (an account older than "approve members" mode) is also asked of the registered
    posting rules, which may answer "unapproved".
    """
    state = member_state(user)
    code = _BLOCK_CODES.get(state)
    if code:
        return code
    if not user.is_verified:  # staff skip the member gates, but posting needs a real address
        return "unverified"
    if user.accepted_coc_version < current_coc_version():
        return "coc"
    if user.approved_at is None and not user.is_staff:
        for rule in contributions(PostingRule):
            reason = rule(user)
            if reason:
                return reason
    return None


@dataclass(frozen=True)
class PostingBlock:
    """Why ``user`` cannot post right now, to say so up front (before they write)."""

    reason: str               # a code of :func:`posting_block_reason`, or a SitePause's own
    until: datetime | None    # when it lifts by itself (a silence or suspension ends), else None
    message: str | None = None  # a SitePause's own wording (translated), instead of the code's

    @property
    def lets_member_write(self) -> bool:
        """The member lifts it in one step when they post (accepting the new code of conduct,
        their text kept meanwhile): the form stays, with a word that it will be asked."""
        return self.reason == "coc"


def posting_block(user: Any) -> PostingBlock | None:
    """:func:`posting_block_reason` with the time the block ends, or a registered
    :class:`~forum.accounts.interfaces.SitePause` (read-only mode), or None if ``user`` may post.
    Said up front only: sending is refused by the pausing domain's own rule (its content filter)."""
    reason = posting_block_reason(user)
    if reason:
        return PostingBlock(reason, state_ends_at(user))
    for pause in contributions(SitePause):
        block = pause.block(user)
        if block is not None:
            return block
    return None


# What each block code tells the member (topics, replies, events: one wording).
_BLOCK_MESSAGES: dict[str, Callable[[], str]] = {
    "unverified": lambda: _("Please confirm your email address before posting. Check your inbox."),
    "silenced": lambda: _("Your account is read-only for now."),
    "suspended": lambda: _("Your account is read-only for now."),
    "unapproved": lambda: _("Your membership is waiting for approval by the moderators."),
    "rejected": lambda: _("Your membership application was not accepted, so you cannot post."),
    "coc": lambda: _("The code of conduct was updated: you will be asked to accept it before you post. "
                     "What you write is kept."),
}
# ... and with the end of the block, for states that end by themselves. Called without
# arguments so the date (already formatted, e.g. a <time> element) is put in escaped.
_BLOCK_MESSAGES_UNTIL: dict[str, Callable[[], str]] = {
    "silenced": lambda: _("You are read-only until %(date)s."),
    "suspended": lambda: _("Your account is suspended until %(date)s."),
}


def posting_block_message(code: str, until: str | None = None) -> str:
    """The member-facing sentence for a code of :func:`posting_block_reason` ("anonymous" is
    answered by a redirect instead; unknown codes from plugins read as read-only).

    ``until``: the block's end already formatted for the reader (plain text is escaped, Markup
    such as a ``<time>`` element is kept); the answer is then Markup."""
    if until is not None and code in _BLOCK_MESSAGES_UNTIL:
        return escape(_BLOCK_MESSAGES_UNTIL[code]()) % {"date": until}  # escape() answers Markup
    return _BLOCK_MESSAGES.get(code, _BLOCK_MESSAGES["silenced"])()


def can_administer(user: Any) -> bool:
    """The admin area, plugin and theme settings: admins only."""
    return bool(user.is_authenticated and user.is_admin)


def can_ignore(user: Any, target: Any) -> bool:
    """Members may ignore members; staff cannot be ignored (their notices must be read)."""
    return bool(user.is_authenticated and target is not None and target.id != user.id
                and not target.is_moderator)
