"""Who manages webhooks: the one place the rule is written."""

from __future__ import annotations

from typing import Any

from forum.accounts.permissions import can_administer


def can_manage_webhooks(user: Any) -> bool:
    """Endpoints hold a signing secret and decide what leaves the forum: admins only."""
    return can_administer(user)
