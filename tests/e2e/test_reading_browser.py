"""Watching and reading in a real browser: a member opens a long topic at its first unread post,
scrolls, and Latest then counts fewer new posts; muting a topic takes it out of Latest; and
without JavaScript the level control still works and the page marks read what it shows."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from forum.accounts.models import User
from forum.discussions.models import Topic, TopicMember
from forum.extensions import db
from tests.e2e.conftest import login
from tests.factories import general_category, make_reply, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def _read_position(username: str, topic_id: int) -> int:
    db.session.expire_all()
    user = db.session.scalar(db.select(User).where(User.username == username))
    row = db.session.get(TopicMember, (user.id, topic_id)) if user else None
    return row.last_read_post_number if row else 0


def _wait_for_read_position(username: str, topic_id: int, at_least: int, timeout: float = 10) -> int:
    deadline = time.monotonic() + timeout
    while True:
        position = _read_position(username, topic_id)
        if position >= at_least or time.monotonic() > deadline:
            return position
        time.sleep(0.2)


def _long_topic(anna: User) -> Topic:
    """Anna replied early (#2, so she tracks it); then 30 replies she has not read (#3..#32)."""
    topic = make_topic(make_user("marco"), general_category(), title="Which grinder for a moka pot?")
    make_reply(topic, anna, "I use a hand grinder, medium fine. What about you all?")
    others = [make_user(f"voice{i}") for i in range(5)]
    for i in range(30):
        make_reply(topic, others[i % 5], f"Reply number {i + 3}: my grinder story, with enough words.")
    return topic


def test_scrolling_reads_posts_and_latest_counts_fewer(page, app):
    anna = make_user("anna")
    topic = _long_topic(anna)
    login(page, "anna")
    page.goto("/latest")
    row = page.locator(f"tr[data-topic-id='{topic.id}']")
    badge = row.locator("a.tag.unread")
    expect(badge).to_have_text("30 new")
    badge.click()
    # The first unread post, #3, on page 1 (posts 1-20), under the "unread from here" marker.
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}#p3$"))
    expect(page.locator("#unread")).to_have_text("Unread from here")
    assert page.evaluate("document.querySelector('#unread').compareDocumentPosition("
                         "document.querySelector('#p3')) & Node.DOCUMENT_POSITION_FOLLOWING")
    # Scroll through the page: reading.js marks read what scrolls into view.
    for number in range(4, 21, 4):
        page.locator(f"#p{number}").scroll_into_view_if_needed()
        page.wait_for_timeout(150)
    page.locator("#p20").scroll_into_view_if_needed()
    assert _wait_for_read_position("anna", topic.id, 20) == 20
    page.goto("/latest")
    expect(page.locator(f"tr[data-topic-id='{topic.id}'] a.tag.unread")).to_have_text("12 new")
    assert page.js_errors == []


def test_muting_a_topic_takes_it_out_of_latest(page, app):
    make_user("bruno")
    topic = make_topic(make_user("carla"), general_category(), title="Noisy thread about espresso")
    login(page, "bruno")
    page.goto("/latest")
    expect(page.locator(f"tr[data-topic-id='{topic.id}']")).to_have_count(1)
    page.goto(f"/t/{topic.slug}/{topic.id}")
    control = page.locator(".topic-head .level-control")
    expect(control.locator("summary")).to_contain_text("Normal")
    control.locator("summary").click()
    control.locator("button.level-option:has-text('Muted')").click()
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}$"))
    expect(page.locator(".flash")).to_contain_text("This topic is muted: you will hear nothing more about it")
    expect(control.locator("summary")).to_contain_text("Muted")
    page.goto("/latest")
    expect(page.locator(f"tr[data-topic-id='{topic.id}']")).to_have_count(0)
    assert page.js_errors == []


def test_without_javascript_the_control_works_and_the_page_marks_read(browser, live_server, app):
    dario = make_user("dario")
    topic = _long_topic(dario)
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        login(page, "dario")
        page.goto(f"/t/{topic.slug}/{topic.id}")
        # The <noscript> image marked read the posts the page shows (1-20).
        assert _wait_for_read_position("dario", topic.id, 20) == 20
        control = page.locator(".topic-head .level-control")
        expect(control.locator(".level-reason")).to_have_text("You are tracking this because you replied to it.")
        control.locator("summary").click()  # <details>: no script needed
        control.locator("button.level-option:has-text('Watching')").click()
        page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}$"))
        expect(control.locator(".level-reason")).to_have_text("You chose this level.")
        expect(control.locator("summary")).to_contain_text("Watching")
        page.goto("/latest")
        expect(page.locator(f"tr[data-topic-id='{topic.id}'] a.tag.unread")).to_have_text("12 new")
    finally:
        context.close()
