"""Autosave is rate-limited per member (however many browsers they are signed in with):
generous for a long writing session (a save every couple of seconds of typing), far below
what would let one account fill the database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import make_topic, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True}


def _save(client: Any, token: str, topic_id: int, body: str) -> int:
    return client.post(f"/drafts/reply/{topic_id}", data={"csrf_token": token, "body": body}).status_code


def test_autosave_stops_at_twenty_saves_a_minute_per_member(client, app):
    topic = make_topic(make_user(), title="A lively discussion")
    make_user("typist")
    client.login("typist")
    token = client.csrf_token()
    statuses = [_save(client, token, topic.id, f"Version {i}") for i in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
    # Another member is counted separately.
    other = app.test_client()
    make_user("neighbour")
    other.login("neighbour")
    assert other.post_form(f"/drafts/reply/{topic.id}", {"body": "My own draft"}).status_code == 200


def test_two_sign_ins_of_one_member_share_the_limit(client, app):
    """Before: the limit was keyed on the sign-in session, so each browser (or each new
    sign-in from a script) brought twenty more saves a minute."""
    topic = make_topic(make_user(), title="A lively discussion")
    make_user("typist")
    phone, laptop = client, app.test_client()
    phone.login("typist")
    laptop.login("typist")
    phone_token, laptop_token = phone.csrf_token(), laptop.csrf_token()
    assert [_save(phone, phone_token, topic.id, f"Phone {i}") for i in range(10)] == [200] * 10
    assert [_save(laptop, laptop_token, topic.id, f"Laptop {i}") for i in range(10)] == [200] * 10
    assert _save(laptop, laptop_token, topic.id, "One too many") == 429
    assert _save(phone, phone_token, topic.id, "One too many") == 429
    # A third sign-in brings no fresh allowance either.
    tablet = app.test_client()
    tablet.login("typist")
    assert tablet.post_form(f"/drafts/reply/{topic.id}", {"body": "From the tablet"}).status_code == 429


def test_a_new_password_brings_no_fresh_allowance(client, app):
    """Before: the limit was keyed on the member's session token, which a password change
    rotates, so every change of password (or of account, for a script) reset the count."""
    topic = make_topic(make_user(), title="A lively discussion")
    make_user("typist")  # password: "correct horse battery"
    client.login("typist")
    token = client.csrf_token()
    assert [_save(client, token, topic.id, f"Version {i}") for i in range(20)] == [200] * 20
    response = client.post_form("/settings/password", {
        "pw-current_password": "correct horse battery", "pw-password": "a new staple battery horse",
        "pw-confirm": "a new staple battery horse"})
    assert response.status_code == 302
    assert client.post_form(f"/drafts/reply/{topic.id}", {"body": "Still typing"}).status_code == 429
