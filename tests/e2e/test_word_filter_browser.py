"""Word filter in a real browser: an admin adds a "block" entry and tries it on the test screen;
a member who uses the word sees the message and keeps what they wrote."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_category, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

MESSAGE = "Please do not use that word here."


def test_block_entry_shows_its_message_and_keeps_the_text(browser, page, live_server, app):
    make_user("alice", role="admin")
    make_user("marco")
    topic = make_topic(make_user("giorgia"), make_category(name="Coffee"), title="Best beans for espresso")

    login(page, "alice")
    page.goto("/admin/plugins")
    page.locator("#plugin-word_filter a:has-text('Watched words')").click()
    page.get_by_role("link", name="Add a word").first.click()
    page.fill("input[name=pattern]", "blorp")
    page.select_option("select[name=action]", "block")
    page.fill("input[name=message]", MESSAGE)
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/word-filter/$"))
    expect(page.locator("table.wf-list code", has_text="blorp")).to_be_visible()

    page.goto("/admin/word-filter/test")
    page.fill("textarea[name=text]", "Is B.L.O.R.P a word?")
    page.click("form.stack button[type=submit]")
    assert page.locator(".wf-outcome").get_attribute("data-outcome") == "reject"
    assert MESSAGE in page.locator(".wf-outcome").inner_text()
    assert page.locator(".wf-sample mark").inner_text() == "B.L.O.R.P"

    member = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    member_errors: list[str] = []
    member.on("pageerror", lambda exc: member_errors.append(str(exc)))
    login(member, "marco")
    member.goto(f"/t/{topic.slug}/{topic.id}")
    # The spam_guard honeypot is in the form but out of sight and out of the tab order.
    honeypot = member.locator("input[name=pf_spam_guard__homepage]")
    assert honeypot.get_attribute("tabindex") == "-1"
    box = honeypot.bounding_box()
    assert box is None or box["x"] + box["width"] < 0
    text = "Honestly, these beans taste like blorp.\n\nSecond paragraph with *markdown*."
    member.fill("textarea[name=body]", text)
    member.click("#reply button[type=submit]")
    member.wait_for_load_state()
    expect(member.locator(f"text={MESSAGE}")).to_be_visible()
    assert member.locator("textarea[name=body]").input_value() == text
    assert member_errors == [] and page.js_errors == []
