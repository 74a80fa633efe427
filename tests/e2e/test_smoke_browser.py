from __future__ import annotations

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def test_home_renders_in_chromium_without_js_errors(page):
    page.goto("/")
    expect(page.locator("h1").first).to_be_visible()
    expect(page.locator("text=General").first).to_be_visible()
    assert page.js_errors == []
