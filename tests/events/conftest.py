"""Event fixtures: a staff host, members, and an event factory going through the services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_event as _make_event
from tests.factories import make_user, make_users


@pytest.fixture
def host(app: Any) -> Any:
    return make_user("hostess", role="moderator")


@pytest.fixture
def make_event(app: Any, host: Any) -> Any:
    """``make_event(author=None, **overrides)``: by the host unless told otherwise."""

    def factory(author: Any = None, **overrides: Any) -> Any:
        return _make_event(author or host, **overrides)

    return factory


@pytest.fixture
def members(app: Any) -> list[Any]:
    return make_users(6, "member", start=1)


@pytest.fixture(autouse=True)
def request_context(app: Any) -> Any:
    """Services translate their messages: give them a request (as views and the CLI do)."""
    with app.test_request_context("/"):
        yield
