"""Who may manage staff identity and read staff figures: the one place each rule is written.

Accepted answers are a discussion rule: ``forum.discussions.permissions.can_mark_solution``.
Official replies: ``forum.discussions.permissions.can_post_official`` (staff-group members only).
"""

from __future__ import annotations

from typing import Any

from forum.errors import PermissionDenied


def can_manage_staff(user: Any) -> bool:
    """Staff groups, memberships and expert badges are an admin's decision."""
    return bool(user.is_authenticated and user.is_admin)


def require_manage_staff(user: Any) -> None:
    """The first step of every staff-identity write."""
    if not can_manage_staff(user):
        raise PermissionDenied()


def can_view_response_times(user: Any) -> bool:
    """Moderators, admins and staff-group members watch the topics waiting for the brand."""
    return bool(user.is_authenticated and user.is_staff)


def can_edit_staff_profile(user: Any) -> bool:
    """A personal title and sign-off only mean something on a staff member's official replies."""
    return bool(user.is_authenticated and user.is_staff_member)
