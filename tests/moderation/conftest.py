"""Moderation fixtures: people with roles, a category; the counter oracle runs after every
request and at the end of every test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from forum.accounts.models import User
from forum.discussions.models import Category
from forum.errors import ValidationFailed
from tests.factories import make_category, make_user
from tests.invariants import invariants_checked  # noqa: F401 - autouse: the suite checks counters
from tests.moderation.helpers import Recorder


@pytest.fixture
def mod(app: Any) -> User:
    return make_user("mona", role="moderator")


@pytest.fixture
def admin(app: Any) -> User:
    return make_user("ada", role="admin")


@pytest.fixture
def member(app: Any) -> User:
    return make_user("mario")


@pytest.fixture
def category(app: Any) -> Category:
    return make_category("Help")




@pytest.fixture
def refused(app: Any) -> Callable[..., Any]:
    """``with refused(ValidationFailed): service(...)``: error messages are translated, so the
    call runs inside a request context (as it does in production)."""

    @contextmanager
    def check(exc: type[BaseException] = ValidationFailed) -> Iterator[Any]:
        with app.test_request_context("/"), pytest.raises(exc) as info:
            yield info

    return check


@pytest.fixture
def recorder(app: Any) -> Recorder:
    rec = Recorder()
    app.extensions["forum.plugins"].register(rec, name="test_recorder")
    return rec
