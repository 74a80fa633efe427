"""Factories: real rows through real services where rules matter, direct inserts elsewhere."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from werkzeug.security import generate_password_hash

from forum.accounts.models import CodeOfConductAcceptance, User
from forum.accounts.services import canonical_email, canonical_username, current_coc_version
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, Topic
from forum.extensions import db

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
# Hashing is slow on purpose; tests share one hash of PASSWORD.
_HASH: dict[str, str] = {}


def password_hash() -> str:
    if "h" not in _HASH:
        _HASH["h"] = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    return _HASH["h"]


def make_user(username: str | None = None, *, role: str = "member", verified: bool = True,
              accepted: bool = True, staff: bool = False, **fields: Any) -> User:
    n = next(_seq)
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


def make_category(name: str | None = None, **fields: Any) -> Category:
    n = next(_seq)
    name = name or f"Category {n}"
    category = Category(name=name, slug=fields.pop("slug", f"category-{n}"), position=n, **fields)
    db.session.add(category)
    db.session.commit()
    return category


def make_topic(author: User | None = None, category: Category | None = None, *, title: str | None = None,
               body: str = "Hello everyone, this is the first post.") -> Topic:
    author = author or make_user()
    category = category or make_category()
    outcome = discussions.create_topic(author, category, title or f"Topic number {next(_seq)}", body)
    return outcome.post.topic


def make_reply(topic: Topic, author: User | None = None, body: str = "A reply with some words.") -> Post:
    author = author or make_user()
    return discussions.create_reply(author, topic, body).post


@pytest.fixture
def factories() -> Any:
    import types

    return types.SimpleNamespace(user=make_user, category=make_category, topic=make_topic, reply=make_reply,
                                 password=PASSWORD)
