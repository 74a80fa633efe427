"""The SQL twins of accounts' member states (forum.accounts.states) and of ``User.is_staff``
agree with the Python rules for every member state the factories build, for plain members,
staff-group members, moderators and admins; and the places that list members use them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from forum.accounts.models import User, staff_clause
from forum.accounts.states import (
    active_member_clause,
    can_read_as_member,
    is_active_member,
    reading_member_clause,
)
from forum.extensions import db
from forum.members.directory import DirectoryQuery, directory_page, is_listed
from tests.factories.accounts import make_member_in_state

STATES = ("unverified", "pending", "rejected", "active", "silenced", "suspended")
KINDS: dict[str, dict[str, Any]] = {
    "member": {}, "staff group": {"staff": True}, "moderator": {"role": "moderator"}, "admin": {"role": "admin"},
}


def _sql(user: User, condition: Any) -> bool:
    return db.session.scalar(select(User.id).where(User.id == user.id, condition)) is not None


@pytest.mark.parametrize("kind", list(KINDS))
def test_sql_twins_agree_with_member_state(app, kind):
    users = [make_member_in_state(state, **KINDS[kind]) for state in STATES]
    users += [make_member_in_state("active", membership=closed, **KINDS[kind]) for closed in ("leaving", "erased")]
    for user in users:
        assert _sql(user, active_member_clause()) is is_active_member(user), user.username
        assert _sql(user, reading_member_clause()) is can_read_as_member(user), user.username
        assert _sql(user, staff_clause()) is user.is_staff, user.username
        assert _sql(user, ~staff_clause()) is not user.is_staff, user.username


def test_an_unverified_moderator_is_a_member_where_members_are_listed(app, client):
    """Staff skip email verification (member_state): the directory lists them, as a member."""
    moderator = make_member_in_state("unverified", "unverifiedmod", role="moderator")
    staff = make_member_in_state("unverified", "unverifiedstaff", staff=True)
    member = make_member_in_state("unverified", "unverifiedmember")
    assert is_listed(moderator) and is_listed(staff) and not is_listed(member)
    listed = {u.username for u in directory_page(DirectoryQuery(group="staff")).items}
    assert {"unverifiedmod", "unverifiedstaff"} <= listed
