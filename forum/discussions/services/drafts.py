"""Drafts kept server-side while a member unblocks themselves (one draft per place).

Reading a draft never removes it: a GET must not change state (an image in a post pointing at
``/new-topic`` would otherwise wipe the draft of everyone who views it). A draft goes away when
the post it belongs to is saved, or when its author discards it (a POST).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from forum.accounts.models import User
from forum.extensions import db

from ..models import Draft


def save_draft(user: User, kind: str, key: int | None, data: dict[str, Any]) -> None:
    """Keep what the member wrote while they unblock themselves (one draft per place)."""
    draft_key = str(key if key is not None else "new")
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == draft_key))
    if draft is None:
        db.session.add(Draft(user_id=user.id, kind=kind, key=draft_key, data=data))
    else:
        draft.data = data
    db.session.commit()


DRAFT_KINDS = ("topic", "reply", "edit")


def read_draft(user: Any, kind: str, key: int | None) -> dict[str, Any] | None:
    """The saved draft for this place, if any (read only)."""
    if not user.is_authenticated:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == str(key if key is not None else "new")))
    return dict(draft.data) if draft is not None else None


def discard_draft(user: Any, kind: str, key: int | None) -> bool:
    """Remove the member's draft for this place (after the post is saved, or on request)."""
    if not user.is_authenticated:
        return False
    removed = db.session.execute(delete(Draft).where(
        Draft.user_id == user.id, Draft.kind == kind, Draft.key == str(key if key is not None else "new")))
    db.session.commit()
    return bool(getattr(removed, "rowcount", 0))
