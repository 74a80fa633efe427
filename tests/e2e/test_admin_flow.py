"""A community manager's admin day in Chromium: the overview's numbers lead to the work, a new
theme and a plugin apply at once (no restart), and the audit log reads as sentences."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.moderation.services import flag_post
from tests.e2e.conftest import login
from tests.factories import make_topic, make_user, opening_post, support_category

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SETTINGS_CHECK_SECONDS": 0}  # a worker looks at the settings version at every request


def test_overview_theme_plugin_and_audit_log(page, app):
    make_user("boss", role="admin", display_name="Beatrice Boss")
    member = make_user("asker", display_name="Anna Asker")
    topic = make_topic(author=member, category=support_category(), title="Grinder jammed after descaling")
    flag_post(make_user("reporter"), opening_post(topic), "spam")
    db.session.commit()

    login(page, "boss")
    page.goto("/admin/")
    flags = page.locator(".figure", has_text="Flags to review")
    expect(flags.locator(".figure-value")).to_have_text("1")
    expect(page.locator(".figure", has_text="Awaiting a staff answer").locator(".figure-value")).to_have_text("1")
    flags.locator("a").click()
    page.wait_for_url("**/review?kind=flag")
    expect(page.locator("text=Grinder jammed after descaling").first).to_be_visible()

    # A new theme, chosen in the browser, is what the next page shows: no restart.
    page.goto("/admin/brand")
    page.select_option("select[name=theme]", "terracotta")
    page.click("main form button.primary")
    expect(page.locator(".flash", has_text="The new theme is now shown to everyone.")).to_be_visible()
    assert page.locator('link[href$="/theme/css/terracotta.css"]').count() == 1
    page.goto("/")
    assert page.locator('link[href$="/theme/css/terracotta.css"]').count() == 1

    # A plugin enabled in the browser works on the next page.
    page.goto("/admin/plugins")
    page.locator("#plugin-example_badge button", has_text="Enable").click()
    expect(page.locator(".flash", has_text="example_badge is enabled.")).to_be_visible()
    expect(page.locator("#plugin-example_badge .tag", has_text="Loaded")).to_be_visible()
    page.goto(f"/t/{topic.slug}/{topic.id}")
    expect(page.locator(".newcomer-badge").first).to_be_visible()

    # The audit log says what happened, with names, not codes and ids.
    page.goto("/moderation/audit")
    brand = page.locator("tr", has_text="Changed the brand")
    expect(brand).to_contain_text("Theme")
    expect(brand.locator("ins")).to_contain_text("terracotta")
    expect(page.locator("tr", has_text="Enabled a plugin")).to_contain_text("example_badge")
    assert "{&quot;" not in page.content() and '{"' not in page.inner_text("table.audit")
    assert not page.js_errors
