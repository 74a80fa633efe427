"""Moderation set-ups."""

from __future__ import annotations

from forum.admin.settings import set_setting
from forum.extensions import db


def hold_new_members(n: int = 1) -> None:
    """A member's first ``n`` posts wait for approval."""
    set_setting("first_posts_need_approval", n)
    db.session.commit()
