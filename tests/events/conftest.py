"""Event fixtures: a staff host, members, an event factory going through the services, and a
content filter that holds or refuses meetups mentioning "forbidden"."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import pytest

from forum.db_types import utcnow
from forum.events import services
from forum.events.services import EventInput
from forum.plugins import Verdict, hookimpl
from forum.plugins.manager import plugin_manager
from tests.factories import make_user


def event_input(**overrides: Any) -> EventInput:
    """A valid submission: 19:00-21:00 Europe/Rome, ten days from now, unless overridden."""
    day = (utcnow() + timedelta(days=10)).date()
    values: dict[str, Any] = {
        "title": "Community meetup in Rome", "description": "We meet for **pizza** and product talk.",
        "timezone": "Europe/Rome", "start_date": day, "start_time": time(19, 0), "end_date": day,
        "end_time": time(21, 0), "venue": "Circolo Bar", "address": "Via Roma 1, Roma",
        "map_url": "https://maps.example.com/?q=via+roma", "online_url": "https://meet.example.com/abc",
    }
    values.update(overrides)
    return EventInput(**values)


@pytest.fixture
def host(app: Any) -> Any:
    return make_user("hostess", role="moderator")


@pytest.fixture
def make_event(app: Any, host: Any) -> Any:
    def factory(author: Any = None, **overrides: Any) -> Any:
        return services.create_event(author or host, event_input(**overrides))

    return factory


@pytest.fixture
def members(app: Any) -> list[Any]:
    return [make_user(f"member{i}") for i in range(1, 7)]


def future_day(days: int) -> date:
    return (utcnow() + timedelta(days=days)).date()


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
