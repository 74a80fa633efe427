"""Who may use the privacy pages: members for their own data, administrators for the rest."""

from __future__ import annotations

from typing import Any

from forum.accounts.states import Membership


def can_manage_own_data(user: Any) -> bool:
    """Export or delete one's own account: any signed-in account not already erased (a
    suspended member's session does not work, so they never get here)."""
    return bool(user.is_authenticated and getattr(user, "membership", None) != Membership.ERASED)


def can_erase_member(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def can_configure(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_admin)


def can_confirm_deletion(user: Any, deletion: Any) -> bool:
    """A deletion's mailed link: opened signed out or by the account it deletes, never by
    another signed-in account (its holder must sign out first)."""
    return bool(not user.is_authenticated or user.id == deletion.user_id)


def is_former_member(user: Any) -> bool:
    """For templates: an erased account shows as "Former member", with no profile link."""
    return getattr(user, "membership", None) == Membership.ERASED


def is_leaving(user: Any) -> bool:
    return bool(user.is_authenticated and getattr(user, "membership", None) == Membership.LEAVING)
