"""Rate limits on sign-in, registration, reset and resend (Flask-Limiter, memory storage)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.helpers import FAST_HASH, register_data, text
from tests.factories import make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://", **FAST_HASH}


def assert_friendly_429(response: Any) -> None:
    assert response.status_code == 429
    page = text(response)
    assert "Too many attempts. Please wait a little and try again." in page
    assert "<title>Slow down" in page  # our page, not the library's plain text


def test_the_eleventh_login_attempt_in_a_minute_is_refused(client):
    make_user("mario")
    token = client.csrf_token()
    for _n in range(10):
        response = client.post("/login", data={"csrf_token": token, "login": "mario", "password": "bad guess!"})
        assert response.status_code == 400
    assert_friendly_429(client.post("/login", data={"csrf_token": token, "login": "mario",
                                                      "password": "bad guess!"}))
    # Reading is never limited.
    assert client.get("/login").status_code == 200


def test_limits_count_per_ip(client, app):
    make_user("mario")
    token = client.csrf_token()
    for _n in range(11):
        client.post("/login", data={"csrf_token": token, "login": "mario", "password": "bad guess!"})
    other = app.test_client()
    other_token = other.csrf_token()
    response = other.post("/login", data={"csrf_token": other_token, "login": "mario", "password": "x" * 12},
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert response.status_code == 400  # a different address still gets an answer


def test_registration_is_limited(client, app):
    limit = int(app.config["RATELIMIT_REGISTER"].split(" ")[0])
    for n in range(limit):
        data = register_data(client, username=f"user{n}x", email=f"user{n}@example.org")
        assert client.post("/register", data=data).status_code == 200
    data = register_data(client, username="onemore", email="onemore@example.org")
    assert_friendly_429(client.post("/register", data=data))


def test_reset_requests_are_limited(client, app, outbox):
    make_user("mario")
    limit = int(app.config["RATELIMIT_RESET"].split(" ")[0])
    for n in range(limit):
        assert client.post_form("/password/reset", {"login": f"user{n}"}).status_code == 200
    assert_friendly_429(client.post_form("/password/reset", {"login": "mario"}))  # the IP's limit
    assert len(outbox) == 0


def test_resending_the_confirmation_is_limited_per_member(client, outbox):
    make_user("slow", verified=False)
    client.login("slow")
    for _n in range(3):
        assert client.post_form("/verify/resend", {"next": "/"}).status_code == 302
    assert_friendly_429(client.post_form("/verify/resend", {"next": "/"}))
    assert len(outbox) == 3
