from __future__ import annotations

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def test_home_renders_in_chromium_without_js_errors(page):
    page.goto("/")
    assert page.locator("h1").first.is_visible()
    assert page.locator("text=General").first.is_visible()
    assert page.js_errors == []
