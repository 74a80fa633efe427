"""The colour scheme: light, dark or the device's, for members (their account) and visitors (a
cookie), chosen with a POST and rendered by the server as <html data-scheme>."""

from __future__ import annotations

import re

from forum.extensions import db
from tests.accounts.helpers import user
from tests.factories import make_user


def html_scheme(client) -> str | None:
    match = re.search(r"<html[^>]*\bdata-scheme=\"(\w+)\"", client.get("/").get_data(as_text=True))
    return match.group(1) if match else None


def test_a_visitor_follows_the_device_until_choosing(client):
    page = client.get("/").get_data(as_text=True)
    assert html_scheme(client) is None
    assert '<meta name="color-scheme" content="light dark">' in page
    # The footer switch is a form posting to /color-scheme, with the current choice pressed.
    assert re.search(r'<form method="post" action="/color-scheme"', page)
    assert re.search(r'value="system"[^>]*aria-pressed="true"', page)


def test_the_switch_remembers_a_visitor_choice_in_a_cookie(client):
    response = client.post_form("/color-scheme", {"scheme": "dark", "next": "/latest"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/latest")
    assert "color_scheme=dark" in response.headers["Set-Cookie"]
    assert html_scheme(client) == "dark"
    assert '<meta name="color-scheme" content="dark">' in client.get("/").get_data(as_text=True)
    client.post_form("/color-scheme", {"scheme": "system"})
    assert html_scheme(client) is None


def test_a_get_or_a_post_without_token_changes_nothing(client):
    assert client.get("/color-scheme?scheme=dark").status_code == 405
    assert client.post("/color-scheme", data={"scheme": "dark"}).status_code == 400  # no CSRF token
    assert html_scheme(client) is None


def test_an_unknown_value_is_ignored(client):
    client.post_form("/color-scheme", {"scheme": "dark"})
    client.post_form("/color-scheme", {"scheme": "purple"})
    assert html_scheme(client) == "dark"


def test_a_member_choice_is_kept_on_the_account(client):
    make_user("mario")
    client.login("mario")
    client.post_form("/color-scheme", {"scheme": "light"})
    assert user("mario").color_scheme == "light"
    assert html_scheme(client) == "light"
    # Another browser, signed in as the same member, follows the account, not its own cookie.
    other = client.application.test_client()
    other.set_cookie("color_scheme", "dark")
    other.post_form("/login", {"login": "mario", "password": "correct horse battery"})
    assert html_scheme(other) == "light"


def test_member_settings_offer_the_scheme_and_save_it(client):
    make_user("mario")
    client.login("mario")
    page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'<select[^>]*name="color_scheme"', page) and 'for="color_scheme"' in page
    response = client.post_form("/settings", {"display_name": "Mario", "color_scheme": "dark", "locale": "",
                                              "timezone": ""})
    assert response.status_code == 302
    assert user("mario").color_scheme == "dark" and html_scheme(client) == "dark"
    settings_page = client.get("/settings").get_data(as_text=True)
    assert re.search(r'<option (selected value="dark"|value="dark" selected)', settings_page)
    client.post_form("/settings", {"display_name": "Mario", "color_scheme": "", "locale": "", "timezone": ""})
    assert user("mario").color_scheme is None and html_scheme(client) is None


def test_settings_refuse_an_unknown_scheme(client):
    make_user("mario")
    client.login("mario")
    response = client.post_form("/settings", {"display_name": "Mario", "color_scheme": "sepia"})
    assert response.status_code == 400 and 'id="color_scheme-error"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert user("mario").color_scheme is None
