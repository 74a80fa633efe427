"""Signing in and out: username or email, identical failures, remember me, safe redirects."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from forum.dates import absolute
from forum.db_types import utcnow
from tests.accounts.helpers import FAST_HASH, is_logged_in, normalise, text
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


@pytest.mark.parametrize("identifier", ["mario", "MARIO", "Mario", "ｍａｒｉｏ", "mario@example.com",
                                        "Mario@EXAMPLE.com", "  mario@example.com  "])
def test_login_by_username_or_email_in_any_case(client, identifier):
    make_user("Mario", email="mario@example.com")
    response = client.login(identifier)
    assert response.status_code == 302, text(response)
    assert is_logged_in(client)


def test_wrong_password_and_unknown_user_get_the_identical_answer(client):
    make_user("mario")
    wrong = client.post_form("/login", {"login": "mario", "password": "not the password"})
    unknown = client.post_form("/login", {"login": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 400
    assert "Wrong username/email or password." in text(wrong)
    assert normalise(text(wrong)).replace('value="mario"', "X") == normalise(text(unknown)).replace(
        'value="nobody"', "X")
    unknown_email = client.post_form("/login", {"login": "ghost@example.com", "password": "not the password"})
    assert "Wrong username/email or password." in text(unknown_email)
    assert not is_logged_in(client)


def test_the_password_is_never_echoed(client):
    make_user("mario")
    page = text(client.post_form("/login", {"login": "mario", "password": "my secret attempt"}))
    assert "my secret attempt" not in page


def test_a_suspended_member_cannot_sign_in(client):
    from datetime import timedelta

    make_user("naughty", suspended_until=utcnow() + timedelta(days=2))
    response = client.login("naughty")
    assert response.status_code == 400 and "suspended" in text(response)
    assert not is_logged_in(client)


def test_a_suspended_members_end_date_is_in_the_sites_one_format(app, client):
    until = datetime(2031, 1, 2, 9, 30, 15, tzinfo=UTC)
    make_user("naughty", suspended_until=until)
    client.set_cookie("tz", "Asia/Tokyo", domain="forum.test")
    page = text(client.login("naughty"))
    with app.test_request_context("/"):
        shown = absolute(until, zone=ZoneInfo("Asia/Tokyo"))
    assert f"This account is suspended until {shown}." in page  # "Jan 2, 2031, 6:30 PM": no seconds
    assert "6:30:15" not in page


def remember_cookie(client):
    return client.get_cookie("remember_token", domain="forum.test")


def test_remember_me_sets_a_lasting_cookie(client, app):
    make_user("mario")
    response = client.post_form("/login", {"login": "mario", "password": PASSWORD, "remember": "y"})
    set_cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in set_cookies if c.startswith("remember_token=")]
    assert remember and "Expires=" in remember[0] and "HttpOnly" in remember[0]
    # The cookie alone signs the member in (a browser restarted, its session gone).
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remember_cookie(client).value, domain="forum.test")
    assert is_logged_in(fresh)


def test_without_remember_me_there_is_no_lasting_cookie(client):
    make_user("mario")
    response = client.login("mario")
    assert not any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_logout_is_post_only(client):
    make_user("mario")
    client.login("mario")
    assert client.get("/logout").status_code == 405
    assert is_logged_in(client)
    response = client.post_form("/logout")
    assert response.status_code == 302
    assert not is_logged_in(client)


def test_logout_also_forgets_the_remember_me_cookie(client):
    make_user("mario")
    client.post_form("/login", {"login": "mario", "password": PASSWORD, "remember": "y"})
    assert remember_cookie(client) is not None
    client.post_form("/logout")
    assert remember_cookie(client) is None
    assert not is_logged_in(client)


def test_login_rotates_the_session(client):
    # The anonymous session (and any token planted in it) does not survive signing in.
    make_user("mario")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    client.login("mario")
    with client.session_transaction() as sess:
        assert "planted" not in sess


@pytest.mark.parametrize("target", ["/latest", "/c/general?page=2", "/u/mario"])
def test_next_follows_local_paths(client, target):
    make_user("mario")
    response = client.post_form("/login", {"login": "mario", "password": PASSWORD, "next": target})
    assert response.headers["Location"] == target


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)",
                                    "http:evil.com", "\\\\evil.com", "/\t/evil.com", "///evil.com",
                                    " //evil.com", "https:/evil.com", "data:text/html,hi"])
def test_next_never_leaves_the_site(client, target):
    make_user("mario")
    response = client.post_form("/login", {"login": "mario", "password": PASSWORD, "next": target})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["//evil.com", "https://evil.com", "/\\evil.com", "javascript:alert(1)"])
def test_next_from_the_query_string_is_dropped_when_foreign(client, target):
    page = text(client.get("/login", query_string={"next": target}))
    value = re.search(r'name="next" type="hidden" value="([^"]*)"', page)
    assert value is not None and value.group(1) == ""


def test_an_already_signed_in_member_is_sent_on_safely(client):
    make_user("mario")
    client.login("mario")
    assert client.get("/login?next=//evil.com").headers["Location"] == "/"
    assert client.get("/login?next=/latest").headers["Location"] == "/latest"


def test_login_updates_last_seen(client):
    member = make_user("mario")
    assert member.last_seen_at is None
    client.login("mario")
    from tests.accounts.helpers import user

    assert user("mario").last_seen_at is not None
