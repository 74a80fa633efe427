"""Members: verified, approved, code of conduct accepted (unless told otherwise)."""

from __future__ import annotations

import itertools
from datetime import timedelta
from typing import Any

from werkzeug.security import generate_password_hash

from forum.accounts.models import CodeOfConductAcceptance, User
from forum.accounts.services import canonical_email, canonical_username, current_coc_version
from forum.db_types import utcnow
from forum.extensions import db

PASSWORD = "correct horse battery"
sequence = itertools.count(1)  # shared by every factory: names and slugs never collide
# Hashing is slow on purpose; tests share one hash of PASSWORD.
_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return _HASH["h"]


def make_user(username: str | None = None, *, role: str = "member", verified: bool = True,
              accepted: bool = True, staff: bool = False, **fields: Any) -> User:
    n = next(sequence)
    username = username or f"user{n}"
    version = current_coc_version() if accepted else 0
    user = User(username=username, username_canonical=canonical_username(username),
                email=fields.pop("email", f"{username}@example.com"),
                password_hash=password_hash(), display_name=fields.pop("display_name", username.title()),
                role=role, email_verified_at=utcnow() if verified else None, approved_at=utcnow(),
                accepted_coc_version=version, is_staff_member=staff, **fields)
    user.email_canonical = canonical_email(user.email)
    db.session.add(user)
    db.session.flush()
    if version:
        db.session.add(CodeOfConductAcceptance(user_id=user.id, coc_version=version))
    db.session.commit()
    return user


def make_users(n: int, prefix: str = "user", *, start: int = 0, **fields: Any) -> list[User]:
    """``n`` members named ``<prefix><start>``, ``<prefix><start+1>`` …"""
    return [make_user(f"{prefix}{i}", **fields) for i in range(start, start + n)]


def make_established_user(username: str | None = None, **fields: Any) -> User:
    """A member of long standing: new-member checks (spam_guard's form timer, lower rate
    limits) do not apply. ``post_count`` is the counter, not posts: keep it out of suites
    that check counters against the rows."""
    fields.setdefault("created_at", utcnow() - timedelta(days=90))
    fields.setdefault("post_count", 20)
    return make_user(username, **fields)


def make_member_in_state(state: str, username: str | None = None, **fields: Any) -> User:
    """A member in one of accounts' member states ("unverified", "pending", "rejected",
    "active", "silenced", "suspended"), written straight onto the row: the permission tests
    need the state, not the story (tests/accounts/test_member_states.py tells the story)."""
    week = utcnow() + timedelta(days=7)
    extra: dict[str, Any] = {
        "unverified": {"verified": False},
        "pending": {"membership": "pending", "approved_at": None},
        "rejected": {"membership": "rejected", "approved_at": None},
        "active": {},
        "silenced": {"silenced_until": week},
        "suspended": {"suspended_until": week},
    }[state]
    approved_at = extra.pop("approved_at", utcnow())
    user = make_user(username, **{**extra, **fields})
    user.approved_at = approved_at
    db.session.commit()
    return user
