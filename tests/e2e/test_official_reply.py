"""Staff identity in a real browser: a staff member posts an official reply; a visitor sees the
badge, the signature, the header link, and (after an edit) the history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forum.staff import services as staff
from tests.e2e.conftest import login
from tests.factories import general_category, make_staff, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def test_staff_official_reply_seen_by_a_visitor(browser, page, live_server, app):
    with app.test_request_context():
        staff.save_group(make_user(role="admin"), None, {"name": "Customer Care", "label": "Customer Care",
                                                         "color": "#ffd400", "default_title": "Support"})
    make_staff("giulia", "Customer Care", display_name="Giulia Romano", title="Community Manager",
               initials="GR")
    topic = make_topic(make_user("marco"), general_category(), title="My moka leaks water")

    login(page, "giulia")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.fill("textarea[name=body]", "Sorry about that! We ship a **new gasket** for free.")
    page.check("input[name=official]")
    page.click("#reply button[type=submit]")
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}.*#p2"))
    post = page.locator("#p2")
    assert "official" in (post.get_attribute("class") or "")

    # Edit the official reply: the change is kept as a revision.
    post.locator("a:has-text('Edit')").click()
    page.fill("textarea[name=body]", "Sorry about that! We ship a **new gasket and filter** for free.")
    page.fill("input[name=reason]", "added the filter")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r".*#p2"))

    visitor = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    visitor.goto(f"/t/{topic.slug}/{topic.id}")
    reply = visitor.locator("#p2")
    badge = reply.locator(".staff-badge")
    assert badge.inner_text().strip() == "Customer Care"
    # The badge text is readable: dark text was picked on the yellow badge.
    assert badge.evaluate("e => getComputedStyle(e).color") == "rgb(0, 0, 0)"
    signature = reply.locator(".official-signature")
    assert "Giulia Romano" in signature.inner_text()
    assert "Community Manager" in signature.inner_text()
    assert "— GR, Customer Care" in signature.inner_text()
    expect(reply.locator(".official-label")).to_be_visible()

    header_link = visitor.locator(".topic-head a.official-link")
    assert header_link.inner_text().strip().endswith("Official response")
    header_link.click()
    visitor.wait_for_url(re.compile(r".*#p2$"))

    reply.locator("a.edited").click()
    visitor.wait_for_url(re.compile(r".*/posts/\d+/revisions"))
    history = visitor.locator(".revisions").inner_text()
    assert "new gasket for free" in history and "new gasket and filter" in history
    assert "added the filter" in history
    assert page.js_errors == [] and visitor.context.pages
    visitor.context.close()
