"""Account protections as a person meets them in Chromium: a locked sign-in and the way back in,
and signing out a device that is not in one's hands."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, mail_link
from tests.factories import make_established_user as make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

NEW_PASSWORD = "amber kettle on mars"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"LOGIN_FAILURES_BEFORE_LOCK": 3}


def try_password(page: Any, login_name: str, password: str) -> None:
    page.goto("/login")
    page.fill("input[name=login]", login_name)
    page.fill("input[name=password]", password)
    page.click("form.stack button[type=submit]")


def test_a_locked_account_says_so_keeps_the_name_and_mails_the_owner_a_way_back(page, live_server):
    make_user("mario", email="mario@example.com")
    for attempt in range(3):
        try_password(page, "mario", f"guess number {attempt}")
    expect(page.locator("form.stack")).to_contain_text("Too many failed sign-ins for this account")
    assert page.input_value("input[name=login]") == "mario"  # nothing typed is lost

    try_password(page, "mario", "correct horse battery")  # the right password waits too
    expect(page.locator("form.stack")).to_contain_text("Too many failed sign-ins")

    notice = [m for m in live_server.outbox if m.to == "mario@example.com"]
    assert len(notice) == 1 and "Sign-in attempts" in notice[0].subject
    page.goto(mail_link(live_server.outbox, "/password/reset"))
    page.fill("input[name=login]", "mario")
    page.click("form.stack button[type=submit]")
    page.goto(mail_link(live_server.outbox, "/password/reset/"))
    page.fill("input[name=password]", NEW_PASSWORD)
    page.fill("input[name=confirm]", NEW_PASSWORD)
    page.click("form.stack button[type=submit]")
    other = page.context.browser.new_context(base_url=live_server.url)
    try:
        fresh = other.new_page()
        login(fresh, "mario", NEW_PASSWORD)
        expect(fresh.locator("header")).to_contain_text("Mario")
    finally:
        other.close()


def test_signing_out_everywhere_else_ends_the_other_browser(page, live_server, browser):
    make_user("mario")
    login(page, "mario")
    laptop = browser.new_context(base_url=live_server.url)
    try:
        other = laptop.new_page()
        login(other, "mario")
        page.goto("/settings")
        expect(page.locator("#devices")).to_contain_text("Signed in on 2 devices")
        page.click("#devices button:has-text('Sign out everywhere else')")
        expect(page.locator("#devices")).to_contain_text("Signed in on 1 device")
        other.goto("/settings")
        expect(other.locator("input[name=login]")).to_be_visible()  # asked to sign in again
    finally:
        laptop.close()
