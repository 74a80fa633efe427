"""Who may make and revoke API keys."""

from __future__ import annotations

from typing import Any

from forum.accounts.permissions import can_administer

from .models import ApiKey, KeyKind


def can_have_keys(user: Any) -> bool:
    """Any signed-in member may make keys of their own: a key never does more than the member
    may (an unverified or silenced member's key reads what they read and posts nothing)."""
    return bool(user.is_authenticated)


def can_revoke(user: Any, key: ApiKey) -> bool:
    """A member revokes their own keys; an admin revokes any key."""
    if not user.is_authenticated:
        return False
    return bool(can_administer(user) or (key.kind == KeyKind.USER and key.user_id == user.id))


def can_manage_admin_keys(user: Any) -> bool:
    return can_administer(user)
