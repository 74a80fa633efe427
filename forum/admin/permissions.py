"""Admin area access: one check for every admin page."""

from __future__ import annotations

from typing import Any


def can_administer(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_admin)
