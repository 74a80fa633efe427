"""Autosave is rate-limited per account: generous for a long writing session (a save every
couple of seconds of typing), far below what would let one account fill the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True}


def test_autosave_stops_at_twenty_saves_a_minute_per_member(client, app):
    topic = make_topic(make_user(), title="A lively discussion")
    make_user("typist")
    client.login("typist")
    token = client.csrf_token()
    statuses = [client.post(f"/drafts/reply/{topic.id}", data={"csrf_token": token, "body": f"Version {i}"}).status_code
                for i in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    # Another member is counted separately.
    other = app.test_client()
    make_user("neighbour")
    other.login("neighbour")
    assert other.post_form(f"/drafts/reply/{topic.id}", {"body": "My own draft"}).status_code == 200
