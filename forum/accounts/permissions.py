"""Member states and what they allow: the one place each account rule is written.

"May this member post?" is answered here from the member's own state (verified, silenced,
code of conduct accepted, approved). Domains above accounts extend it through a registered
:class:`~forum.accounts.interfaces.PostingRule` (moderation: an application still waiting),
never by being imported here.
"""

from __future__ import annotations

from typing import Any

from forum.db_types import utcnow
from forum.registry import contributions

from .code_of_conduct import current_coc_version
from .interfaces import PostingRule


def is_silenced(user: Any) -> bool:
    return bool(user.silenced_until and user.silenced_until > utcnow())


def is_suspended(user: Any) -> bool:
    return bool(user.suspended_until and user.suspended_until > utcnow())


def posting_block_reason(user: Any) -> str | None:
    """Why ``user`` cannot post anything right now, as a code, or None if they can.

    Codes: "anonymous", "unverified", "silenced", "coc" (must accept the current code of
    conduct; the draft is kept while they do), "unapproved" (membership not approved yet; the
    registered posting rules decide whether an unapproved member waits for a moderator).
    """
    if not user.is_authenticated:
        return "anonymous"
    if not user.is_verified:
        return "unverified"
    if is_silenced(user):
        return "silenced"
    if user.accepted_coc_version < current_coc_version():
        return "coc"
    if user.approved_at is None and not user.is_staff:
        for rule in contributions(PostingRule):
            reason = rule(user)
            if reason:
                return reason
    return None


def can_administer(user: Any) -> bool:
    """The admin area, plugin and theme settings: admins only."""
    return bool(user.is_authenticated and user.is_admin)


def can_ignore(user: Any, target: Any) -> bool:
    """Members may ignore members; staff cannot be ignored (their notices must be read)."""
    return bool(user.is_authenticated and target is not None and target.id != user.id
                and not target.is_moderator)
