"""The moderation desk in a real browser: a new member's first post is held and approved by a
moderator; a post flagged by enough members is hidden, then restored from the review queue."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.settings import set_setting
from tests.e2e.conftest import login
from tests.factories import make_category, make_established_user, make_reply, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


@pytest.fixture
def app_config() -> dict[str, Any]:
    # Flags are sent quickly by the test: keep the flag rate limit out of the way.
    return {"RATELIMIT_ENABLED": False}


@pytest.fixture
def moderation_settings(app: Any) -> None:
    """Community settings live in the database (shared with the served app)."""
    set_setting("first_posts_need_approval", 1)
    set_setting("flags_to_hide", 2)
    db.session.commit()


def new_page(browser: Any, live_server: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Rome")
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def test_first_post_is_held_then_approved(browser, page, live_server, app, moderation_settings):
    make_user("mona", role="moderator")
    make_user("nina")
    topic = make_topic(make_user("host", role="moderator"), make_category(name="Coffee"),
                       title="Tell us about your grinder")

    login(page, "nina")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.fill("textarea[name=body]", "Hello! My very first post here.")
    page.click("#reply button[type=submit]")
    page.wait_for_load_state()
    expect(page.locator("text=awaiting approval by a moderator")).to_be_visible()
    held = page.locator("article.post", has_text="My very first post here.")
    expect(held.locator(".tag.state", has_text="Awaiting approval")).to_be_visible()

    moderator = new_page(browser, live_server)
    login(moderator, "mona")
    assert moderator.locator(".review-link .count").inner_text() == "1"
    moderator.click(".review-link")
    item = moderator.locator("article.review-item", has_text="My very first post here.")
    expect(item).to_be_visible()
    item.get_by_role("button", name="Approve").click()
    moderator.wait_for_load_state()
    expect(moderator.locator("text=Nothing to review")).to_be_visible()

    page.reload()
    post = page.locator("article.post", has_text="My very first post here.")
    expect(post).to_be_visible()
    assert post.locator(".tag.state").count() == 0
    assert page.js_errors == [] and moderator.js_errors == []


def test_flagged_post_is_hidden_then_restored(browser, page, live_server, app, moderation_settings):
    make_user("mona", role="moderator")
    topic = make_topic(make_user("host", role="moderator"), make_category(name="Tea"), title="Green or black?")
    # A member's post (staff content is never hidden by flags) flagged by two members of long
    # standing, whose flags weigh 1.0 each (new accounts' flags weigh 0.25).
    make_reply(topic, make_established_user("loud"), "BUY CHEAP WATCHES AT example.test")
    url = f"/t/{topic.slug}/{topic.id}"

    for name in ("ann", "ben"):
        make_established_user(name)
        flagger = new_page(browser, live_server)
        login(flagger, name)
        flagger.goto(url)
        post = flagger.locator("article.post", has_text="BUY CHEAP WATCHES")
        post.locator(".flag-menu summary").click()
        post.locator("input[name=reason][value=spam]").check()
        post.get_by_role("button", name="Send to the moderators").click()
        flagger.wait_for_load_state()
        expect(flagger.locator("text=the moderators will look at this post")).to_be_visible()
        assert flagger.js_errors == []

    page.goto(url)  # a visitor
    assert page.locator("text=BUY CHEAP WATCHES").count() == 0
    expect(page.locator("text=This post is hidden.")).to_be_visible()

    moderator = new_page(browser, live_server)
    login(moderator, "mona")
    moderator.goto("/review?kind=flag")
    item = moderator.locator("article.review-item", has_text="BUY CHEAP WATCHES")
    expect(item.locator("text=hidden by flags until reviewed")).to_be_visible()
    item.get_by_role("button", name="Disagree: restore the post").click()
    moderator.wait_for_load_state()

    page.reload()
    expect(page.locator("text=BUY CHEAP WATCHES")).to_be_visible()
    assert page.js_errors == [] and moderator.js_errors == []


def test_an_approved_first_post_edited_into_spam_is_reviewed_again(browser, page, live_server, app,
                                                                   moderation_settings):
    """A newcomer's first post is approved, then edited into spam: readers never see the spam,
    the moderator finds the edited text in the queue, and the author keeps their text."""
    make_user("mona", role="moderator")
    make_user("nina")
    topic = make_topic(make_user("host", role="moderator"), make_category(name="Beans"), title="Favourite roasts?")
    url = f"/t/{topic.slug}/{topic.id}"

    login(page, "nina")
    page.goto(url)
    page.fill("textarea[name=body]", "I love a medium roast from Ethiopia.")
    page.click("#reply button[type=submit]")
    page.wait_for_load_state()

    moderator = new_page(browser, live_server)
    login(moderator, "mona")
    moderator.goto("/review")
    moderator.locator("article.review-item", has_text="medium roast").get_by_role("button", name="Approve").click()
    moderator.wait_for_load_state()

    page.goto(url)
    post = page.locator("article.post", has_text="medium roast")
    post.get_by_role("link", name="Edit").click()
    page.fill("textarea[name=body]", "CHEAP WATCHES here: https://spam.example/watches")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_load_state()

    visitor = new_page(browser, live_server)
    visitor.goto(url)
    assert visitor.locator("text=CHEAP WATCHES").count() == 0
    page.goto(url)
    mine = page.locator("article.post", has_text="CHEAP WATCHES")
    expect(mine.locator(".tag.state", has_text="Awaiting approval")).to_be_visible()  # kept, marked held
    moderator.goto("/review")
    expect(moderator.locator("article.review-item", has_text="CHEAP WATCHES")).to_be_visible()
    assert page.js_errors == [] and moderator.js_errors == [] and visitor.js_errors == []
