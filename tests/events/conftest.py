"""Event fixtures: a staff host, members, an event factory going through the services, and a
content filter that holds or refuses meetups mentioning "forbidden"."""

from __future__ import annotations

from typing import Any

import pytest

from forum.plugins import Verdict, hookimpl
from forum.plugins.manager import plugin_manager
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


class EventFilter:
    """A content filter: ``verdict`` for a meetup whose title or description says "forbidden"."""

    def __init__(self, verdict: Verdict) -> None:
        self.verdict = verdict
        self.kinds: list[str] = []

    @hookimpl
    def forum_filter_post(self, draft: Any, author: Any, context: Any) -> Verdict | None:
        self.kinds.append(context.kind)
        if context.kind == "event" and "forbidden" in (draft.raw + (draft.title or "")):
            return self.verdict
        return None


@pytest.fixture
def event_filter(app: Any) -> Any:
    plugins: list[EventFilter] = []

    def install(verdict: Verdict) -> EventFilter:
        plugin = EventFilter(verdict)
        plugin_manager().register(plugin, name=f"test-filter-{len(plugins)}")
        plugins.append(plugin)
        return plugin

    yield install
    for plugin in plugins:
        plugin_manager().unregister(plugin)
