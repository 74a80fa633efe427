"""A member's visits: last_seen_at moves while they browse (no write per request), and a gap of
an hour starts a new visit, the previous one kept for "new since your last visit"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from forum.accounts.models import AuthSession, User
from forum.accounts.visits import VISIT_GAP, note_visit, previous_visit
from forum.db_types import utcnow
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


def _user(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def test_a_gap_starts_a_new_visit_and_keeps_the_previous_one(app):
    member = make_user()
    now = utcnow()
    note_visit(member.id, now - timedelta(hours=5))
    note_visit(member.id, now - timedelta(hours=4, minutes=50))  # same visit
    assert _user(member.id).previous_visit_at is None
    note_visit(member.id, now)  # back after a gap longer than VISIT_GAP
    user = _user(member.id)
    assert user.previous_visit_at == now - timedelta(hours=4, minutes=50)
    assert user.last_seen_at == now
    note_visit(member.id, now + VISIT_GAP / 2)  # same visit: the previous one stays
    assert _user(member.id).previous_visit_at == now - timedelta(hours=4, minutes=50)


def test_previous_visit_falls_back_to_joining(app):
    member = make_user()
    assert previous_visit(member) == member.created_at


def test_browsing_notes_the_visit_through_the_session_touch(app):
    member = make_user("mario")
    browser = app.test_client()
    assert browser.post_form("/login", {"login": "mario", "password": PASSWORD}).status_code == 302
    signed_in = _user(member.id).last_seen_at
    assert signed_in is not None
    long_ago = utcnow() - timedelta(hours=3)
    db.session.execute(db.update(User).where(User.id == member.id).values(last_seen_at=long_ago))
    db.session.execute(db.update(AuthSession).where(AuthSession.user_id == member.id)
                       .values(last_seen_at=long_ago))
    db.session.commit()
    browser.get("/latest")
    user = _user(member.id)
    assert user.previous_visit_at == long_ago
    assert user.last_seen_at > utcnow() - timedelta(minutes=1)
