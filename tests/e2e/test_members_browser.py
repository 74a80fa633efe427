"""Trust levels and the member directory in Chromium: a new member reads a topic, the hourly
job promotes them to "basic" and they read the notice; the directory lists them; opting out
in their settings hides them (issue 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.members.services import refresh_trust_levels
from forum.settings import set_setting
from tests.e2e.conftest import login
from tests.factories import make_category, make_reply, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def test_a_member_earns_basic_is_listed_and_opts_out(browser, page, live_server, app):
    for key, value in {"trust_basic_days_visited": 1, "trust_basic_posts_read": 2,
                       "trust_basic_topics_entered": 1}.items():
        set_setting(key, value)
    db.session.commit()
    topic = make_topic(make_user("author"), make_category("Coffee", slug="coffee"), title="Grinding for a moka pot")
    make_reply(topic, make_user("helper"), "Medium-fine, like table salt.")
    make_user("newbie", display_name="Nina Newbie")

    login(page, "newbie")
    with page.expect_response(lambda r: r.url.endswith(f"/t/{topic.id}/read") and r.request.method == "POST"):
        page.goto(f"/t/{topic.slug}/{topic.id}")
    with app.test_request_context("/"):
        promoted = refresh_trust_levels()  # the hourly job
    assert list(promoted.promoted.values()) == [1]

    page.goto("/notifications")
    expect(page.locator(".notifications")).to_contain_text("Your trust level is now “Basic”")
    page.goto("/u/newbie")
    expect(page.locator(".profile-trust")).to_have_text("Trust level: Basic")

    page.click("nav.main-nav >> text=Members")
    page.wait_for_url("**/members")
    page.fill("#members-q", "nina")
    page.click(".members-search button[type=submit]")
    expect(page.locator(".members-table tbody")).to_contain_text("Nina Newbie")
    expect(page.locator(".members-table tbody")).to_contain_text("Basic")

    page.goto("/settings")
    page.uncheck("#show_in_directory")
    page.click("#member-directory button[type=submit]")
    expect(page.locator("#member-directory input#show_in_directory")).not_to_be_checked()
    page.goto("/members?q=nina")
    expect(page.locator(".members-directory")).to_contain_text("No member matches.")
    assert page.js_errors == []
