"""Moderation set-ups."""

from __future__ import annotations

from forum.extensions import db
from forum.settings import set_setting


def hold_new_members(n: int = 1) -> None:
    """A member's first ``n`` posts wait for approval."""
    set_setting("first_posts_need_approval", n)
    db.session.commit()
