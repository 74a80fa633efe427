"""A member's activity as a given viewer may see it (the profile's counters).

``users.topic_count`` / ``post_count`` count everything, staff-only rooms included; a profile
must not reveal activity in places the viewer cannot read. Same definitions as the counters
(see :mod:`forum.discussions.counters`): published topics; published posts whatever their
topic's state, so a viewer who reads every category the member posted in sees exactly the
denormalised numbers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from forum.db_types import utcnow
from forum.extensions import db

from .models import Post, PostState, Topic
from .permissions import readable_category_ids


def visible_activity(viewer: Any, member: Any) -> tuple[int, int]:
    """``(topics, posts)`` of ``member`` in categories ``viewer`` may read: one query for the
    categories (cached for the request), one for both counts."""
    readable = readable_category_ids(viewer)
    if not readable:
        return 0, 0
    topics = (select(func.count()).select_from(Topic)
              .where(Topic.user_id == member.id, Topic.state == PostState.PUBLISHED,
                     Topic.category_id.in_(readable)).scalar_subquery())
    posts = (select(func.count()).select_from(Post).join(Topic, Topic.id == Post.topic_id)
             .where(Post.user_id == member.id, Post.state == PostState.PUBLISHED,
                    Topic.category_id.in_(readable)).scalar_subquery())
    row = db.session.execute(select(topics, posts)).one()
    return int(row[0] or 0), int(row[1] or 0)


def posts_in_last_days(days: int) -> int:
    """Published posts written in the last ``days`` days, everywhere (the admin overview)."""
    return int(db.session.scalar(select(func.count()).select_from(Post).where(
        Post.state == PostState.PUBLISHED, Post.created_at >= utcnow() - timedelta(days=days))) or 0)
