"""Sign-in sessions live on the server: logout, "sign out everywhere" and expiry end them even
for someone who copied the cookies."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from forum.db_types import utcnow
from forum.extensions import db
from tests.accounts.helpers import FAST_HASH, STRONG_PASSWORD, is_logged_in, text
from tests.factories import PASSWORD, make_user

UA_FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
UA_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
             "Version/17.5 Mobile/15E148 Safari/604.1")
UA_CHROME_WIN = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                 "Chrome/126.0.0.0 Safari/537.36")


@pytest.fixture
def app_config() -> dict[str, Any]:
    return dict(FAST_HASH)


def sign_in(app: Any, *, remember: bool = False, agent: str = UA_FIREFOX, login: str = "mario") -> Any:
    device = app.test_client()
    data = {"login": login, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    response = device.post_form("/login", data, headers={"User-Agent": agent})
    assert response.status_code == 302, text(response)
    return device


def copy_cookies(app: Any, source: Any, names: tuple[str, ...]) -> Any:
    """A second browser holding copies of ``source``'s cookies (a stolen laptop, a cookie thief)."""
    thief = app.test_client()
    for name in names:
        cookie = source.get_cookie(name, domain="forum.test")
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value, domain="forum.test")
    return thief


def test_a_copied_session_cookie_is_refused_after_logout(app):
    make_user("mario")
    browser = sign_in(app)
    thief = copy_cookies(app, browser, ("session",))
    assert is_logged_in(thief)
    browser.post_form("/logout")
    assert not is_logged_in(browser)
    assert not is_logged_in(thief)


def test_a_copied_remember_cookie_is_refused_after_logout(app):
    make_user("mario")
    browser = sign_in(app, remember=True)
    thief = copy_cookies(app, browser, ("remember_token",))
    assert is_logged_in(thief)
    browser.post_form("/logout")
    fresh_thief = copy_cookies(app, thief, ("remember_token",))  # without the session the first visit made
    assert not is_logged_in(fresh_thief)
    assert not is_logged_in(thief)


def test_logout_ends_only_this_device(app):
    make_user("mario")
    laptop, phone = sign_in(app), sign_in(app, agent=UA_IPHONE)
    laptop.post_form("/logout")
    assert not is_logged_in(laptop)
    assert is_logged_in(phone)


def test_the_settings_page_lists_the_devices(app):
    make_user("mario")
    sign_in(app, agent=UA_IPHONE)
    sign_in(app, agent=UA_CHROME_WIN, remember=True)
    laptop = sign_in(app)
    page = text(laptop.get("/settings"))
    assert "Signed in on 3 devices" in page
    assert "Firefox on Linux" in page and "Safari on iOS" in page and "Chrome on Windows" in page
    assert page.count("This device") == 1


def test_sign_out_everywhere_else(app):
    make_user("mario")
    phone, tablet = sign_in(app, agent=UA_IPHONE), sign_in(app, remember=True, agent=UA_CHROME_WIN)
    stolen = copy_cookies(app, tablet, ("remember_token",))
    laptop = sign_in(app)
    response = laptop.post_form("/settings/sessions/revoke-others")
    assert response.status_code == 302
    assert is_logged_in(laptop)
    assert not is_logged_in(phone) and not is_logged_in(tablet) and not is_logged_in(stolen)
    assert "Signed in on 1 device" in text(laptop.get("/settings"))


def test_sign_out_one_other_device(app):
    from forum.accounts.models import AuthSession

    user = make_user("mario")
    phone, laptop = sign_in(app, agent=UA_IPHONE), sign_in(app)
    phone_row = db.session.scalars(db.select(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.user_agent.contains("iOS"))).one()
    assert laptop.post_form(f"/settings/sessions/{phone_row.id}/revoke").status_code == 302
    assert not is_logged_in(phone) and is_logged_in(laptop)


def test_one_cannot_sign_out_somebody_elses_device(app):
    from forum.accounts.models import AuthSession

    make_user("mario")
    other = make_user("luigi")
    luigi = sign_in(app, login="luigi")
    mario = sign_in(app)
    row = db.session.scalars(db.select(AuthSession).where(AuthSession.user_id == other.id)).one()
    assert mario.post_form(f"/settings/sessions/{row.id}/revoke").status_code == 404
    assert is_logged_in(luigi)


def test_revoking_needs_the_csrf_token(app):
    make_user("mario")
    phone, laptop = sign_in(app, agent=UA_IPHONE), sign_in(app)
    assert laptop.post("/settings/sessions/revoke-others", data={}).status_code == 400
    assert is_logged_in(phone)


def test_an_expired_remember_token_is_refused(app):
    from forum.accounts.models import AuthSession

    user = make_user("mario")
    browser = sign_in(app, remember=True)
    stale = copy_cookies(app, browser, ("remember_token",))
    for row in db.session.scalars(db.select(AuthSession).where(AuthSession.user_id == user.id)):
        # The server's expiry counts, whatever date the cookie claims.
        row.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert not is_logged_in(stale)
    assert not is_logged_in(browser)


def test_a_remembered_session_expires_after_the_cookie_duration(app):
    from forum.accounts.models import AuthSession

    user = make_user("mario")
    sign_in(app, remember=True)
    row = db.session.scalars(db.select(AuthSession).where(AuthSession.user_id == user.id)).one()
    lifetime = row.expires_at - row.created_at
    assert abs(lifetime.total_seconds() - app.config["REMEMBER_COOKIE_DURATION"]) < 5


def test_changing_the_password_signs_out_the_other_devices(app):
    make_user("mario")
    phone = sign_in(app, remember=True, agent=UA_IPHONE)
    stolen = copy_cookies(app, phone, ("remember_token",))
    laptop = sign_in(app)
    response = laptop.post_form("/settings/password", {"pw-current_password": PASSWORD, "pw-password": STRONG_PASSWORD,
                                                       "pw-confirm": STRONG_PASSWORD})
    assert response.status_code == 302, text(response)
    assert is_logged_in(laptop)
    assert not is_logged_in(phone) and not is_logged_in(stolen)


def test_last_seen_is_written_at_most_every_few_minutes(app):
    from forum.accounts.models import AuthSession

    user = make_user("mario")
    browser = sign_in(app)
    row = db.session.scalars(db.select(AuthSession).where(AuthSession.user_id == user.id)).one()
    first = row.last_seen_at
    browser.get("/settings")
    db.session.refresh(row)
    assert row.last_seen_at == first  # no write per request
    row.last_seen_at = utcnow() - timedelta(minutes=30)
    db.session.commit()
    browser.get("/settings")
    db.session.refresh(row)
    assert row.last_seen_at > utcnow() - timedelta(minutes=1)


def test_the_loader_costs_one_query(app, count_queries):
    make_user("mario")
    browser = sign_in(app)
    browser.get("/latest")
    from forum.accounts import sessions

    with count_queries() as q:
        browser.get("/latest")
    loader = [s for s in q.statements if "auth_sessions" in s]
    assert len(loader) == 1, loader
    assert sessions  # the module exists


def test_a_suspended_member_is_signed_out(app):
    user = make_user("mario")
    browser = sign_in(app)
    user.suspended_until = utcnow() + timedelta(days=1)
    db.session.commit()
    assert not is_logged_in(browser)
