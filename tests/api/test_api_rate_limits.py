"""Rate limits per member (an admin key: per key; a visitor: per address), answered in the
error shape; the page and the API share each per-member allowance."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import assert_error, bearer, make_key
from tests.conftest import make_app
from tests.factories import make_event, make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_API": "3 per minute", "RATELIMIT_RSVP": "2 per minute",
            "RATELIMIT_POSTING": "2 per minute", "RATELIMIT_SEARCH": "2 per minute",
            "RATELIMIT_SEARCH_MEMBER": "3 per minute"}


def test_each_member_has_their_own_allowance_and_the_fourth_request_is_a_429(client, database_url, tmp_path):
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


def test_a_members_keys_share_one_allowance_and_an_admin_key_has_its_own(client):
    member = make_user("many_keys")
    admin = make_user("boss", role="admin")
    first, second = bearer(make_key(member, name="one")), bearer(make_key(member, name="two"))
    assert [client.get("/api/v1/categories", headers=k).status_code for k in (first, second, first)] == [200] * 3
    assert_error(client.get("/api/v1/categories", headers=second), 429, "rate_limited")
    integration = bearer(make_key(member, ("read",), admin=admin, name="integration"))
    assert client.get("/api/v1/categories", headers=integration).status_code == 200


def test_one_posting_allowance_per_member_however_they_post(client):
    """RATELIMIT_POSTING: the reply form and the API count in one bucket (2 per minute here)."""
    author = make_user("poster")
    topic = make_topic(make_user(), title="Where everyone answers")
    key = bearer(make_key(author))
    client.login("poster")
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "Written on the page."}).status_code == 302
    created = client.post(f"/api/v1/topics/{topic.id}/posts", headers=key, json={"body": "Written by a script."})
    assert created.status_code == 201
    assert "Retry-After" not in created.headers  # said only with a refusal
    assert_error(client.post(f"/api/v1/topics/{topic.id}/posts", headers=key, json={"body": "Once more."}), 429)
    assert client.post_form(f"/t/{topic.id}/reply", {"body": "And from the page."}).status_code == 429


def test_refused_writes_do_not_use_up_the_posting_allowance(client):
    key = bearer(make_key(make_user("clumsy")))
    topic = make_topic(make_user(), title="Where mistakes are made")
    for _ in range(4):
        assert_error(client.post(f"/api/v1/topics/{topic.id}/posts", headers=key, json={"body": ""}), 422)
    assert client.post(f"/api/v1/topics/{topic.id}/posts", headers=key, json={"body": "At last."}).status_code == 201


def test_search_has_the_pages_split_and_buckets(client):
    """Visitors: RATELIMIT_SEARCH per address, shared with /search; members: RATELIMIT_SEARCH_MEMBER."""
    assert client.get("/search?q=coffee").status_code != 429
    assert client.get("/api/v1/search?q=coffee").status_code != 429
    assert_error(client.get("/api/v1/search?q=coffee"), 429, "rate_limited")
    assert client.get("/search?q=coffee").status_code == 429
    key = bearer(make_key(make_user("seeker")))
    codes = [client.get("/api/v1/search?q=coffee", headers=key).status_code for _ in range(2)]
    assert 429 not in codes  # a member has their own allowance, 3 here (the API's own is 3 too)
