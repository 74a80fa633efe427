"""Drafts kept server-side while a member unblocks themselves (one draft per place)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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


def take_draft(user: Any, kind: str, key: int | None) -> dict[str, Any] | None:
    """The saved draft for this place, removed as it is handed back to the form."""
    if not user.is_authenticated:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.user_id == user.id, Draft.kind == kind,
                                                  Draft.key == str(key if key is not None else "new")))
    if draft is None:
        return None
    data = dict(draft.data)
    db.session.delete(draft)
    db.session.commit()
    return data
