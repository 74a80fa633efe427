"""Ignoring a member: a member's own preference (their posts collapse for the one who ignores)."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.db_types import utcnow
from forum.errors import PermissionDenied
from forum.extensions import db

from .models import IgnoredUser, User
from .permissions import can_ignore

_CACHE = "accounts_ignored"


def _forget() -> None:
    if has_request_context():
        g.pop(_CACHE, None)


def ignore_user(user: User, target: User) -> None:
    if not can_ignore(user, target):
        raise PermissionDenied()
    if target.id in ignored_user_ids(user):
        return
    db.session.add(IgnoredUser(user_id=user.id, ignored_user_id=target.id, created_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:  # already ignored (double click)
        db.session.rollback()
    _forget()


def unignore_user(user: User, target: User) -> None:
    if not user.is_authenticated:
        raise PermissionDenied()
    # An ignore is the member's own preference, not moderation content: removing it is fine.
    db.session.execute(IgnoredUser.__table__.delete().where(IgnoredUser.user_id == user.id,
                                                            IgnoredUser.ignored_user_id == target.id))
    db.session.commit()
    _forget()


def ignored_user_ids(viewer: Any) -> set[int]:
    """Ids the viewer ignores: one query per request, whatever the page shows."""
    if not viewer.is_authenticated:
        return set()
    if has_request_context() and _CACHE in g:
        return set(g.get(_CACHE))
    ids = set(db.session.scalars(select(IgnoredUser.ignored_user_id).where(IgnoredUser.user_id == viewer.id)))
    if has_request_context():
        setattr(g, _CACHE, ids)
    return ids
