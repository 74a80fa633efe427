"""Locking a whole category: members may neither start topics nor reply there (staff may).
The rule itself is discussions' (``permissions.can_start_topic`` / ``can_reply`` read
``Category.is_locked``); this writes the switch, audited."""

from __future__ import annotations

from typing import Any

from forum.audit import record_action
from forum.discussions.models import Category
from forum.extensions import db


def set_locked(actor: Any, category: Category, locked: bool) -> bool:
    """False when nothing changed."""
    if bool(category.is_locked) == locked:
        return False
    category.is_locked = locked
    record_action(actor, "crisis.category_lock" if locked else "crisis.category_unlock", "category", category.id,
                  before={"locked": not locked}, after={"locked": locked})
    db.session.commit()
    return True
