"""Discussion fixtures: the counter oracle runs after every request and at the end of every test."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.invariants import invariants_checked  # noqa: F401 - autouse: the suite checks counters

TOPIC_ID_RE = re.compile(r'data-topic-id="(\d+)"')
NEXT_RE = re.compile(r'<a class="button" rel="next" href="([^"]+)"')




@pytest.fixture
def walk() -> Callable[[Any, str], list[list[int]]]:
    """Follow "Older topics" from ``url``; the topic ids of each page, in order."""

    def follow(client: Any, url: str) -> list[list[int]]:
        pages: list[list[int]] = []
        next_url: str | None = url
        while next_url:
            html = client.get(next_url).get_data(as_text=True)
            pages.append([int(i) for i in TOPIC_ID_RE.findall(html)])
            match = NEXT_RE.search(html)
            next_url = match.group(1).replace("&amp;", "&") if match else None
            assert len(pages) < 200, "the walk does not end"
        return pages

    return follow



@pytest.fixture
def topic() -> Any:
    """A topic to write in (a module may define its own)."""
    from tests.factories import make_category, make_topic, make_user

    return make_topic(make_user("opener"), make_category("Brewing", slug="brewing"), title="Espresso ratios")


@pytest.fixture
def writer(client: Any) -> Any:
    """A signed-in member who writes."""
    from tests.factories import make_user

    user = make_user("writer")
    client.login("writer")
    return user
