"""Staff's change of a topic's tags is rate limited, like other staff writes."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_category, make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True}


def test_topic_tags_post_is_rate_limited(client):
    topic = make_topic(make_user(), make_category())
    make_user("mod", role="moderator")
    client.login("mod")
    codes = [client.post_form(f"/t/{topic.id}/tags", {"tags": "???"}).status_code for _ in range(61)]
    assert codes[:60] == [400] * 60 and codes[60] == 429
    assert client.get(f"/t/{topic.id}/tags").status_code == 200  # reading the form is not limited
