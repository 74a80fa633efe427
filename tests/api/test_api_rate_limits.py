"""Rate limits per key (else per member, else per address), answered in the error shape."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import assert_error, bearer, make_key
from tests.conftest import make_app
from tests.factories import make_event, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_API": "3 per minute", "RATELIMIT_RSVP": "2 per minute"}


def test_each_key_has_its_own_allowance_and_the_fourth_request_is_a_429(client, database_url, tmp_path):
    # Another app built in this process (live settings rebuild it) must not count each request again.
    make_app(database_url, tmp_path, **{"RATELIMIT_ENABLED": True, "RATELIMIT_API": "3 per minute"})
    first = bearer(make_key(make_user("quick")))
    second = bearer(make_key(make_user("patient")))
    assert [client.get("/api/v1/categories", headers=first).status_code for _ in range(3)] == [200] * 3
    refused = client.get("/api/v1/categories", headers=first)
    error = assert_error(refused, 429, "rate_limited")
    assert error["message"] and int(refused.headers["Retry-After"]) > 0
    assert client.get("/api/v1/categories", headers=second).status_code == 200
    # Visitors are counted per address, apart from the keys.
    assert client.get("/api/v1/categories").status_code == 200


def test_the_page_and_the_api_share_one_allowance_per_member(client):
    """RSVPs: the event page and the API count in one bucket (forum.extensions.member_action_limit),
    so a member's integration cannot answer twice as often as the page lets them."""
    member = make_user("eager")
    host = make_user("host", role="moderator")
    event = make_event(host, title="Shared allowance meetup")
    key = bearer(make_key(member))
    client.login("eager")
    assert client.post_form(f"/events/{event.id}/rsvp", {"status": "going"}).status_code == 302
    assert client.put(f"/api/v1/events/{event.id}/rsvp", json={"status": "interested"}, headers=key).status_code == 200
    assert_error(client.put(f"/api/v1/events/{event.id}/rsvp", json={"status": "going"}, headers=key), 429,
                 "rate_limited")
    assert client.post_form(f"/events/{event.id}/rsvp", {"status": "going"}).status_code == 429
    # Another member's allowance is their own.
    other = bearer(make_key(make_user("calm")))
    assert client.put(f"/api/v1/events/{event.id}/rsvp", json={"status": "going"}, headers=other).status_code == 200
