"""The Quickstart demo's trust levels: its community has no reading or visit history for the
hourly recount to earn levels from, so the demo gives its members the levels such a history
would have earned (set as staff would, audited; not locked, so activity raises them further)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.accounts.models import User
from forum.accounts.trust import TrustLevel
from forum.extensions import db

from .services import set_trust_level

DEMO_LEVELS = {"marco": TrustLevel.REGULAR, "chiara": TrustLevel.MEMBER, "sophie": TrustLevel.MEMBER,
               "lucas": TrustLevel.BASIC, "oliver": TrustLevel.BASIC}


def load_demo_levels(people: dict[str, Any]) -> None:
    admin = db.session.scalar(select(User).where(User.role == "admin").order_by(User.id).limit(1))
    if admin is None:
        return
    for username, level in DEMO_LEVELS.items():
        member = people.get(username)
        if member is not None:
            set_trust_level(admin, member, int(level), locked=False, reason="demo community")
