"""Badges on posts, topic lists and profiles: the eager loads that bring them along (no query
per author) and the template helpers that read them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import joinedload, selectinload

from forum.accounts.models import User
from forum.discussions.models import Post, Topic

from ..models import ExpertBadge, StaffGroup, StaffMembership

# --- eager loads (contributed to discussions' page loads by forum.staff.init_app) ---------------


def post_author_badges_option() -> Any:
    """Badges of every post's author: two queries per page whatever the number of posts."""
    return joinedload(Post.author).selectinload(User.staff_memberships).joinedload(StaffMembership.group)


def post_author_experts_option() -> Any:
    return joinedload(Post.author).selectinload(User.expert_badges)


def topic_last_poster_badges_option() -> Any:
    return joinedload(Topic.last_poster).selectinload(User.staff_memberships).joinedload(StaffMembership.group)


def topic_last_poster_experts_option() -> Any:
    return joinedload(Topic.last_poster).selectinload(User.expert_badges)


def badge_load_options() -> list[Any]:
    """For lists of users (member list, profile)."""
    return [selectinload(User.staff_memberships).joinedload(StaffMembership.group),
            selectinload(User.expert_badges)]


# --- presentation helpers (templates; they read loaded relationships) --------------------------

def memberships_of(user: Any) -> list[StaffMembership]:
    # The denormalised flag spares a query for the many users who are not staff.
    if user is None or not getattr(user, "is_staff_member", False):
        return []
    return list(user.staff_memberships)


def primary_group(user: Any) -> StaffGroup | None:
    memberships = memberships_of(user)
    for m in memberships:
        if m.is_primary:
            return m.group
    return memberships[0].group if memberships else None


def staff_groups(user: Any) -> list[StaffGroup]:
    """Primary first."""
    return [m.group for m in sorted(memberships_of(user), key=lambda m: (not m.is_primary, m.id))]


def expert_badges(user: Any) -> list[ExpertBadge]:
    if user is None or not getattr(user, "id", None):
        return []
    return list(user.expert_badges)


def staff_title(user: Any) -> str | None:
    """The personal title, else the primary group's default title."""
    if user is None or not getattr(user, "is_staff_member", False):
        return None
    group = primary_group(user)
    return user.title or (group.default_title if group else None)


def initials_for(user: Any) -> str:
    if user.signature_initials:
        return str(user.signature_initials)
    letters = [w[0] for w in (user.display_name or user.username or "?").split() if w[:1].isalpha()]
    return "".join(letters[:3]).upper() or "?"


def sign_off(user: Any, fallback_group: str) -> str:
    """"— GR, Customer Care": the author's initials and their primary group."""
    group = primary_group(user)
    return f"— {initials_for(user)}, {group.name if group else fallback_group}"

