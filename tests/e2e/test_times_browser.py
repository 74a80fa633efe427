"""Times as a reader sees them: "3 h" / "2 giorni" / "2 j" for the recent past, the exact date
and time in the tooltip, the same format on every page; the home page's "Latest" column shows
the category's real last activity."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from forum.db_types import utcnow
from tests.e2e.conftest import login
from tests.factories import (
    general_category,
    make_established_user,
    make_reply,
    make_topic,
    set_topic_activity,
    support_category,
)

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def new_page(browser: Any, live_server: Any, locale: str) -> Any:
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id="Europe/Rome")
    context.set_default_timeout(10_000)
    return context.new_page()


@pytest.fixture
def forum(app: Any) -> dict[str, Any]:
    """General: an old topic that just got a reply (the real latest activity) and a newer topic
    that has been quiet for three days. Support: a topic from last month."""
    old = make_topic(make_established_user("olga"), general_category(), title="An old question")
    set_topic_activity(old, utcnow() - timedelta(days=20))
    quiet = make_topic(make_established_user("quentin"), general_category(), title="A quiet topic")
    set_topic_activity(quiet, utcnow() - timedelta(days=3, minutes=5))
    make_reply(old, make_established_user("rita", display_name="Rita Recent"), body="A fresh answer.")
    set_topic_activity(old, utcnow() - timedelta(hours=3, minutes=10))
    last_month = make_topic(make_established_user("sam"), support_category(), title="Last month's topic")
    set_topic_activity(last_month, utcnow() - timedelta(days=40))
    return {"old": old, "quiet": quiet}


@pytest.mark.parametrize(("locale", "hours", "days"), [
    ("en-GB", "3 hr", "3 days"), ("it-IT", "3 h", "3 giorni"), ("fr-FR", "3\u202fh", "3\u202fj")])
def test_recent_times_are_relative_with_the_exact_time_in_the_tooltip(browser, live_server, forum, locale,
                                                                       hours, days):
    page = new_page(browser, live_server, locale)
    page.goto("/")  # forum.js tells the server the browser's zone (a cookie) for the next pages
    page.goto("/latest")
    recent = page.locator("tr", has_text="An old question").locator("time")
    expect(recent).to_have_text(hours)
    exact = recent.get_attribute("title")
    assert re.search(r"\d{4}.*\d{1,2}:\d{2}", exact or ""), exact  # a full date and time
    assert recent.get_attribute("datetime").endswith("+00:00")
    expect(page.locator("tr", has_text="A quiet topic").locator("time")).to_have_text(days)
    # Older than a week: a date, never a relative time.
    older = page.locator("tr", has_text="Last month's topic").locator("time")
    expect(older).to_have_text(re.compile(r"\d{4}"))

    # The topic page and the author's profile show the same moment in the same words.
    page.goto(f"/t/{forum['old'].slug}/{forum['old'].id}")
    expect(page.locator("#p2 time")).to_have_text(hours)
    assert page.locator("#p2 time").get_attribute("title") == exact
    page.goto("/u/rita")
    assert page.locator("time", has_text=hours).first.get_attribute("title") == exact


def test_the_home_page_shows_each_categorys_real_last_activity(browser, live_server, forum):
    page = new_page(browser, live_server, "en-GB")
    page.goto("/")
    latest = page.locator("tr", has_text="General").locator("td").last
    # The old topic's fresh reply is the latest activity, not the newest topic.
    expect(latest.locator("a").first).to_have_text("An old question")
    expect(latest).to_contain_text("Rita Recent")
    expect(latest.locator("time")).to_have_text("3 hr")


def test_notifications_and_the_review_queue_use_the_same_format(browser, live_server, forum, app):
    from forum.extensions import db
    from forum.settings import set_setting
    from tests.factories import make_user

    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    make_user("mona", role="moderator")
    held = make_reply(forum["quiet"], make_user("nico"), body="Held for a moderator.")
    assert held.state == "pending"
    page = new_page(browser, live_server, "it-IT")
    login(page, "mona")
    page.goto("/review")
    item = page.locator(".review-item").first
    expect(item).to_be_visible()
    # Every <time> on the page carries the exact time in the one format in its tooltip.
    titles = page.locator("main time").evaluate_all("ts => ts.map(t => t.title)")
    assert titles and all(re.fullmatch(r"\d{1,2} \w{3} \d{4}, \d{2}:\d{2}", t) for t in titles), titles
