"""Public plugin API, part two: what a plugin may read of the community and who runs it.

``from forum.plugins.community import categories, is_admin, require_admin, ...``

These helpers sit above the domains (accounts, discussions) and ask them, so that the rule
stays theirs: "who is an admin" is accounts' rule, "which categories, in which order" is
discussions'. That is why they are not in :mod:`forum.plugins` itself, which every domain
imports: no domain imports this module, only plugins do.

What they return are plain snapshots (:class:`CategoryInfo`, :class:`PostInfo`), not the
core's database rows: a plugin keeps working when the core's tables change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import func, select

from forum.accounts import trust
from forum.accounts.permissions import can_administer
from forum.discussions.models import Post
from forum.discussions.services import visible_categories
from forum.extensions import db
from forum.i18n_content import translated

__all__ = ["REGULAR", "CategoryInfo", "PostInfo", "categories", "count_posts_by", "is_admin", "recent_posts_by",
           "require_admin", "trust_level"]


def is_admin(user: Any) -> bool:
    """The one admin check, for plugin services."""
    return can_administer(user)


def require_admin() -> None:
    """For a plugin blueprint's ``before_request``: admins only (404 to visitors, 403 to members)."""
    if not can_administer(current_user):
        abort(403 if current_user.is_authenticated else 404)


@dataclass(frozen=True)
class CategoryInfo:
    id: int
    name: str
    slug: str


def categories(viewer: Any) -> list[CategoryInfo]:
    """The categories ``viewer`` may read, in the order of the category list (an admin sees
    them all): for a plugin's choices and for checking submitted category ids."""
    return [CategoryInfo(c.id, translated(c, "name"), c.slug) for c in visible_categories(viewer)]


@dataclass(frozen=True)
class PostInfo:
    id: int
    topic_id: int
    raw: str
    created_at: datetime
    state: str  # "published", "pending", "hidden", "deleted", ...


def recent_posts_by(author: Any, since: datetime, *, exclude_topic: int | None = None,
                    limit: int = 50) -> list[PostInfo]:
    """A member's posts written since ``since``, newest first, whatever became of them (held,
    hidden or withdrawn posts count: a spammer must not reset a heuristic by deleting)."""
    query = (select(Post.id, Post.topic_id, Post.raw, Post.created_at, Post.state)
             .where(Post.user_id == author.id, Post.created_at >= since)
             .order_by(Post.id.desc()).limit(limit))
    if exclude_topic is not None:
        query = query.where(Post.topic_id != exclude_topic)
    return [PostInfo(*row) for row in db.session.execute(query)]


# The trust level from which a member is a regular (forum.accounts.trust.TrustLevel.REGULAR).
REGULAR = int(trust.TrustLevel.REGULAR)


def trust_level(user: Any) -> int | None:
    """A member's trust level as a number: 0 new, 1 basic, 2 member, 3 regular, 4 leader (staff
    and moderators count as leaders); None for visitors. Accounts' rule
    (:func:`forum.accounts.trust.trust_level`)."""
    level = trust.trust_level(user)
    return None if level is None else int(level)


def count_posts_by(author: Any, since: datetime) -> int:
    """How many posts a member wrote since ``since`` (every state, as :func:`recent_posts_by`)."""
    return int(db.session.scalar(select(func.count()).select_from(Post).where(
        Post.user_id == author.id, Post.created_at >= since)) or 0)
