"""Who may read the community health dashboard: the one place the rule is written.

Community managers are the forum's moderators and admins (the people who run the community);
staff-group members who only answer customers have their own response-time page.
"""

from __future__ import annotations

from typing import Any

from forum.errors import PermissionDenied


def can_view_insights(user: Any) -> bool:
    """Moderators and admins read the dashboard, export it and ask for a refresh."""
    return bool(user.is_authenticated and user.is_moderator)


def require_view_insights(user: Any) -> None:
    if not can_view_insights(user):
        raise PermissionDenied()
