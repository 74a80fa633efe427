"""Moderation test helpers (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.discussions.models import Category, Post, PostState, Topic
from forum.extensions import db
from forum.plugins import hookimpl


def counter_mismatches() -> list[str]:
    """Every count recomputed from the rows, as publish/unpublish maintain them (a category
    counts the published posts of all its topics). Last-activity fields are checked where a
    test moves posts, since hiding a post does not rewind them."""
    db.session.expire_all()
    posts = list(db.session.scalars(select(Post)))
    topics = {t.id: t for t in db.session.scalars(select(Topic))}
    published = [p for p in posts if p.state == PostState.PUBLISHED]
    wrong: list[str] = []
    for t in topics.values():
        mine = [p for p in published if p.topic_id == t.id]
        if t.post_count != len(mine):
            wrong.append(f"topic {t.id} post_count {t.post_count} != {len(mine)}")
        numbers = [p.post_number for p in posts if p.topic_id == t.id]
        if len(numbers) != len(set(numbers)):
            wrong.append(f"topic {t.id} duplicate post numbers")
        if t.highest_post_number < max(numbers, default=0):
            wrong.append(f"topic {t.id} highest_post_number {t.highest_post_number} < {max(numbers)}")
    for c in db.session.scalars(select(Category)):
        live = [t for t in topics.values() if t.category_id == c.id and t.state == PostState.PUBLISHED]
        n_posts = sum(1 for p in published if topics[p.topic_id].category_id == c.id)
        if (c.topic_count, c.post_count) != (len(live), n_posts):
            wrong.append(f"category {c.slug} {c.topic_count}/{c.post_count} != {len(live)}/{n_posts}")
    for u in db.session.scalars(select(User)):
        n_posts = sum(1 for p in published if p.user_id == u.id)
        n_topics = sum(1 for t in topics.values() if t.user_id == u.id and t.state == PostState.PUBLISHED)
        if (u.post_count, u.topic_count) != (n_posts, n_topics):
            wrong.append(f"user {u.username} {u.post_count}/{u.topic_count} != {n_posts}/{n_topics}")
    return wrong


def audit_actions(target_type: str | None = None, target_id: int | None = None) -> list[str]:
    query = select(AuditLog.action).order_by(AuditLog.id)
    if target_type:
        query = query.where(AuditLog.target_type == target_type)
    if target_id is not None:
        query = query.where(AuditLog.target_id == target_id)
    return list(db.session.scalars(query))


ITEM_RE = re.compile(r'data-item-id="(\d+)"')


def item_ids(html: str) -> list[int]:
    return [int(i) for i in ITEM_RE.findall(html)]


class Recorder:
    """A plugin that remembers the moderation events fired after commit."""

    def __init__(self) -> None:
        self.events: list[tuple[str, int]] = []

    @hookimpl
    def forum_post_approved(self, post: Any, actor: Any) -> None:
        self.events.append(("approved", post.id))

    @hookimpl
    def forum_post_rejected(self, post: Any, actor: Any, reason: str) -> None:
        self.events.append(("rejected", post.id))

    @hookimpl
    def forum_post_deleted(self, post: Any, actor: Any) -> None:
        self.events.append(("deleted", post.id))

    @hookimpl
    def forum_post_hidden(self, post: Any, actor: Any, reason: str) -> None:
        self.events.append(("hidden", post.id))

    @hookimpl
    def forum_post_restored(self, post: Any, actor: Any) -> None:
        self.events.append(("restored", post.id))
