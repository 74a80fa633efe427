"""Profile text the filters held or flagged: the queue decides whether it is shown.

The member's text is never lost: it stays in their profile form (``user.bio``) whatever the
decision; approving shows it on their page, rejecting keeps the last approved text there.
"""

from __future__ import annotations

from forum.accounts import services as accounts
from forum.accounts.models import User
from forum.audit import record_action
from forum.errors import NotFound
from forum.notifications import notify

from ..models import Resolution, ReviewItem
from . import notices
from .common import Events, url
from .items import resolve
from .labels import rejection_text


def approve_profile(actor: User, item: ReviewItem) -> Events:
    user = item.user
    if user is None:
        raise NotFound()
    accounts.publish_bio(user)
    resolve(item, actor, Resolution.APPROVED)
    record_action(actor, "profile.approve", "user", user.id, after={"bio": (user.bio or "")[:300]})
    return []


def reject_profile(actor: User, item: ReviewItem, reason_key: str, text: str) -> Events:
    user = item.user
    if user is None:
        raise NotFound()
    reason = rejection_text(reason_key, text, user)
    resolve(item, actor, Resolution.REJECTED)
    record_action(actor, "profile.reject", "user", user.id, before={"bio": ((item.data or {}).get("bio") or "")[:300]},
                  reason=reason)
    notify(user, notices.PROFILE_REJECTED, notices.rejection_params(reason, reason_key, text),
           url=url("accounts.settings", "/settings"))
    return []
