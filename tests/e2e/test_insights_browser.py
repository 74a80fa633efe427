"""Issue 15's Done-when, in Chromium: the dashboard shows the day's figures including a search
with no results. A member searches (one search finds a topic, one finds nothing), a manager
presses "Refresh now" and sees today's posts and the failed search; the page passes axe and
fits a 375 px wide phone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from forum import jobs
from tests.e2e.conftest import login
from tests.factories import make_reply, make_topic, make_user, support_category

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SEARCH_BACKEND": "whoosh"}


def _serious_violations(page: Any) -> list[str]:
    if not AXE.is_file():
        if os.environ.get("CIRCOLO_REQUIRE_AXE"):
            pytest.fail("axe-core is not installed: run `npm ci`")
        return []
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    return [f"{v['id']} {v['nodes']}" for v in found if v["impact"] in ("serious", "critical")]


def test_the_dashboard_shows_todays_posts_and_a_search_with_no_results(browser, live_server, page):
    make_user("mona", role="moderator", display_name="Mona")
    wendy = make_user("wendy", display_name="Wendy")
    topic = make_topic(wendy, support_category(), title="Descaling the Moka Pro",
                       body="How often should I descale the Moka Pro?")
    make_reply(topic, make_user("marco"), "Every month, with the descaling programme.")
    jobs.run_pending()  # the search index follows the posts through the queue

    # A member searches: once for something that exists, once for something nobody wrote about.
    login(page, "wendy")
    page.goto("/search")
    page.fill("main input[name=q]", "descaling")
    page.press("main input[name=q]", "Enter")
    page.wait_for_url("**/search?*q=descaling*")
    expect(page.locator("main", has_text="Descaling the Moka Pro").first).to_be_visible()
    page.goto("/search")
    page.fill("main input[name=q]", "Milk Frother Squeak")
    page.press("main input[name=q]", "Enter")
    page.wait_for_url("**/search?*q=Milk*")
    page.context.clear_cookies()

    # The manager refreshes the figures and sees the day.
    manager = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Rome",
                                  viewport={"width": 375, "height": 800})
    manager.set_default_timeout(10_000)
    phone = manager.new_page()
    login(phone, "mona")
    phone.goto("/insights?days=7")
    phone.get_by_role("button", name="Refresh now").click()
    expect(phone.locator(".flash", has_text="The figures are being refreshed")).to_be_visible()
    phone.reload()
    missed = phone.locator("table.insights-missed")
    expect(missed.locator("tbody tr")).to_have_count(1)
    expect(missed.locator("tbody tr").first).to_contain_text("milk frother squeak")
    expect(phone.locator('[data-figure="posts"] .figure-value')).to_have_text("2")
    expect(phone.locator('[data-figure="topics"] .figure-value')).to_have_text("1")
    expect(phone.locator('[data-figure="searches"] .figure-value')).to_have_text("2")

    # The chart's data table says the same as the summary, for today.
    posts_chart = phone.locator("figure.insights-chart", has=phone.locator("#chart-posts-heading"))
    posts_chart.locator("summary").click()
    expect(posts_chart.locator("tbody tr").last.locator("td")).to_have_text("2")

    # It fits a phone, and axe finds nothing serious (at 375 px, then on a desktop).
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    assert not _serious_violations(phone)
    phone.set_viewport_size({"width": 1280, "height": 900})
    phone.reload()
    assert not _serious_violations(phone)
    manager.close()
