"""Crisis tools in a real browser (issue 15's Done-when): a manager starts slow mode on a hot
topic and a member's second quick reply is refused with the time left, the text kept; the
admin's banner shows in Italian to an Italian member, at 375 px, and can be dismissed."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import general_category, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def _logout(page) -> None:
    page.goto("/")
    page.locator("details.user-menu summary").click()
    page.click("details.user-menu button:has-text('Log out')")


def test_slow_mode_refuses_a_quick_second_reply_and_the_banner_speaks_italian(browser, page, live_server, app):
    make_user("ada", role="admin")
    make_user("mod", role="moderator")
    make_user("rob")
    make_user("giulia", locale="it")
    topic = make_topic(make_user("mia"), general_category(), title="The Moka Pro recall is a mess")

    # The manager starts slow mode from the topic's tools.
    login(page, "mod")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.click("a:has-text('Slow mode and timers')")
    page.fill("input[name=seconds]", "120")
    page.click("button:has-text('Start slow mode')")
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}.*"))
    expect(page.locator(".crisis-topic")).to_contain_text("Slow mode is on")
    _logout(page)

    # A member replies, then quickly again: refused with the time left, the text kept.
    login(page, "rob")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    expect(page.locator("#slow-mode-notice")).to_contain_text("once every 2 minutes")
    page.fill("textarea[name=body]", "First: my moka is part of the recall batch.")
    page.click("#reply-form button.primary[type=submit]")
    page.wait_for_url(re.compile(r".*#p2"))
    page.goto(f"/t/{topic.slug}/{topic.id}")
    second = "Second thought: where do I send it back?"
    page.fill("textarea[name=body]", second)
    page.click("#reply-form button.primary[type=submit]")
    refusal = re.compile(r"Slow mode: you can post again in \d+ (minutes|seconds)")
    expect(page.locator("#reply-form")).to_contain_text(refusal)
    expect(page.locator("textarea[name=body]")).to_have_value(second)
    _logout(page)

    # The admin writes the banner in English and Italian.
    login(page, "ada")
    page.goto("/admin/crisis")
    page.select_option("select[name=level]", "warning")
    page.fill("textarea[name=text_en]", "**Recall**: check your Moka Pro's batch number.")
    page.fill("textarea[name=text_it]", "**Richiamo**: controlla il lotto della tua Moka Pro.")
    page.click("button:has-text('Save the banner')")
    page.wait_for_url(re.compile(r".*/admin/crisis$"))
    _logout(page)

    # An Italian member sees it in Italian, on a phone, and dismisses it for good.
    phone = browser.new_context(base_url=live_server.url, locale="it-IT", viewport={"width": 375, "height": 740})
    italian = phone.new_page()
    login(italian, "giulia")
    italian.goto("/")
    banner = italian.locator(".crisis-banner")
    expect(banner).to_contain_text("Richiamo: controlla il lotto della tua Moka Pro.")
    assert banner.get_attribute("role") == "status" and banner.get_attribute("lang") == "it"
    assert italian.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
    banner.locator("button.crisis-dismiss").click()
    expect(banner).to_be_hidden()
    italian.reload()
    expect(italian.locator(".crisis-banner")).to_be_hidden()
    phone.close()
    assert not page.js_errors
