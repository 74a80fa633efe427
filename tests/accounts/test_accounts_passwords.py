"""Password reset and change: no enumeration, single-use expiring links, other sessions end."""

from __future__ import annotations

from typing import Any

import pytest

from tests.accounts.helpers import FAST_HASH, STRONG_PASSWORD, is_logged_in, mail_link, normalise, old_token, text, user
from tests.factories import PASSWORD, make_user


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


NEW_PASSWORD = "amber kettle on mars"


def test_reset_request_gives_the_same_page_whether_or_not_the_account_exists(client, outbox):
    make_user("mario", email="mario@example.com")
    known = client.post_form("/password/reset", {"login": "Mario@Example.com"})
    assert len(outbox) == 1 and outbox[0].to == "mario@example.com"
    unknown = client.post_form("/password/reset", {"login": "ghost@example.com"})
    unknown_name = client.post_form("/password/reset", {"login": "ghost"})
    assert known.status_code == unknown.status_code == unknown_name.status_code == 200
    assert normalise(text(known)) == normalise(text(unknown)) == normalise(text(unknown_name))
    assert len(outbox) == 1  # nothing for the unknown accounts
    assert "/password/reset/" in outbox[0].body


def reset_link(client, outbox, login="mario"):
    client.post_form("/password/reset", {"login": login})
    return mail_link(outbox, "/password/reset/")


def test_reset_link_sets_a_new_password_and_works_once(client, outbox):
    make_user("mario")
    link = reset_link(client, outbox)
    assert client.get(link).status_code == 200
    response = client.post_form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert is_logged_in(client)  # the reset signs this browser in

    other = client.application.test_client()
    assert other.login("mario").status_code == 400  # the old password is gone
    assert other.login("mario", NEW_PASSWORD).status_code == 302

    again = client.get(link)
    assert again.status_code == 400 and "already used" in text(again)
    reuse = client.post_form(link, {"password": STRONG_PASSWORD, "confirm": STRONG_PASSWORD})
    assert reuse.status_code == 400
    assert other.application.test_client().login("mario", STRONG_PASSWORD).status_code == 400


def test_reset_confirms_the_email_address(client, outbox):
    make_user("mario", verified=False)
    link = reset_link(client, outbox)
    client.post_form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert user("mario").is_verified


def test_an_expired_reset_link_is_refused(client, app):
    member = make_user("mario")
    token = old_token(member, "reset", app.config["PASSWORD_RESET_MAX_AGE"] + 5)
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 400 and "expired" in text(page)
    post = client.post_form(f"/password/reset/{token}", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert post.status_code == 400
    assert client.application.test_client().login("mario", NEW_PASSWORD).status_code == 400


def test_a_tampered_reset_link_is_refused(client, outbox):
    make_user("mario")
    link = reset_link(client, outbox)
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400 and "not valid" in text(response)


def test_reset_refuses_a_weak_or_mismatched_password(client, outbox):
    make_user("mario")
    link = reset_link(client, outbox)
    weak = client.post_form(link, {"password": "password123", "confirm": "password123"})
    assert weak.status_code == 400 and "too common" in text(weak)
    differ = client.post_form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "!"})
    assert differ.status_code == 400 and "The two passwords differ." in text(differ)
    # The link was not spent by the failed attempts.
    assert client.post_form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302


def signed_in_elsewhere(app, remember: bool):
    """Another browser signed in as mario: (client, remember-me cookie value or None)."""
    other = app.test_client()
    data = {"login": "mario", "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    assert other.post_form("/login", data).status_code == 302
    cookie = other.get_cookie("remember_token", domain="forum.test")
    return other, (cookie.value if cookie else None)


@pytest.mark.parametrize("how", ["reset", "change"])
def test_a_new_password_signs_out_every_other_session(client, app, outbox, how):
    make_user("mario")
    session_client, _none = signed_in_elsewhere(app, remember=False)
    remembered_client, cookie = signed_in_elsewhere(app, remember=True)
    assert cookie and is_logged_in(session_client) and is_logged_in(remembered_client)

    if how == "reset":
        link = reset_link(client, outbox)
        assert client.post_form(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}).status_code == 302
    else:
        client.login("mario")
        response = client.post_form("/settings/password", {
            "pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
        assert response.status_code == 302, text(response)
    assert is_logged_in(client)  # the browser that changed it stays in

    assert not is_logged_in(session_client)
    assert not is_logged_in(remembered_client)
    # Even a browser holding only the old remember-me cookie is out.
    cookie_only = app.test_client()
    cookie_only.set_cookie("remember_token", cookie, domain="forum.test")
    assert not is_logged_in(cookie_only)


def test_change_password_keeps_remember_me_for_this_browser(client, app):
    make_user("mario")
    client.post_form("/login", {"login": "mario", "password": PASSWORD, "remember": "y"})
    old_cookie = client.get_cookie("remember_token", domain="forum.test").value
    client.post_form("/settings/password", {"pw-current_password": PASSWORD, "pw-password": NEW_PASSWORD,
                                            "pw-confirm": NEW_PASSWORD})
    new_cookie = client.get_cookie("remember_token", domain="forum.test")
    assert new_cookie is not None and new_cookie.value != old_cookie
    fresh = app.test_client()
    fresh.set_cookie("remember_token", new_cookie.value, domain="forum.test")
    assert is_logged_in(fresh)


def test_change_password_needs_the_current_password(client):
    make_user("mario")
    client.login("mario")
    response = client.post_form("/settings/password", {
        "pw-current_password": "wrong guess here", "pw-password": NEW_PASSWORD, "pw-confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "This is not your current password." in text(response)
    assert 'id="pw-current_password-error"' in text(response)
    assert client.application.test_client().login("mario", NEW_PASSWORD).status_code == 400


def test_change_password_refuses_weak_passwords_next_to_the_field(client):
    make_user("mario")
    client.login("mario")
    response = client.post_form("/settings/password", {
        "pw-current_password": PASSWORD, "pw-password": "short", "pw-confirm": "short"})
    assert response.status_code == 400
    assert 'id="pw-password-error"' in text(response) and "Use at least 10 characters." in text(response)
