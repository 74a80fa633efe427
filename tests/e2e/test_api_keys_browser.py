"""A new API key on a phone: the page does not widen past the screen, and Copy copies it."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import login
from tests.factories import make_user

expect = pytest.importorskip("playwright.sync_api").expect
pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def test_a_new_key_fits_a_375_px_screen_and_copies(browser, live_server):
    make_user("phoner")
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": 375, "height": 740})
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        login(page, "phoner")
        page.goto("/settings/api-keys")
        page.fill("input[name=name]", "Phone shortcut")
        page.click("form.stack button[type=submit]")
        secret = page.locator("#new-key-secret").inner_text().strip()
        assert secret.startswith("circolo_")
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        button = page.locator("button[data-copy=new-key-secret]")
        assert button.is_visible()
        button.click()
        expect(button).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()") == secret
        assert errors == []
    finally:
        context.close()
