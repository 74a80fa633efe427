"""Staff members, made through the real staff services."""

from __future__ import annotations

from typing import Any

from forum.accounts.models import User
from forum.extensions import db
from forum.staff import services as staff
from forum.staff.models import StaffGroup

from .accounts import make_user


def make_staff(username: str | None = None, group: str = "Customer Care", *, title: str | None = None,
               initials: str | None = None, **fields: Any) -> User:
    user = make_user(username, title=title, signature_initials=initials, **fields)
    staff.add_member_by_group_name(user, group, create=True)
    db.session.refresh(user)
    return user


def group_named(name: str) -> StaffGroup:
    return db.session.scalar(db.select(StaffGroup).where(StaffGroup.name == name))
