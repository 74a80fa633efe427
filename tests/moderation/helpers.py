"""Moderation test helpers (plain functions; fixtures live in conftest.py)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from forum.audit import AuditLog
from forum.db_types import utcnow
from forum.extensions import db
from forum.plugins import hookimpl
from tests.factories import make_reply, make_topic, make_user


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


def trusted(name: str, category: Any, posts: int = 10) -> Any:
    """A member of long standing with ``posts`` real published posts (counters stay right):
    their flags weigh 1.0 (see services.flag_weight)."""
    user = make_user(name, created_at=utcnow() - timedelta(days=120))
    topic = make_topic(user, category)
    for i in range(posts - 1):
        make_reply(topic, user, f"Helpful reply number {i} from {name}.")
    db.session.refresh(user)
    return user
