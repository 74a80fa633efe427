"""The member's main path, in a real browser: join, confirm, post, reply, edit, accept new rules."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, mail_link
from tests.factories import make_established_user as make_user  # spam_guard's new-member checks don't apply

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def register(page, username: str, *, accept: bool) -> None:
    page.goto("/register")
    page.fill("input[name=username]", username)
    page.fill("input[name=display_name]", username.title())
    page.fill("input[name=email]", f"{username}@example.org")
    page.fill("input[name=password]", "a long enough passphrase")
    if accept:
        page.check("input[name=accept_coc]")
    page.wait_for_timeout(3100)  # spam_guard refuses forms sent faster than a person types
    page.click("#register-form button[type=submit]")


def test_register_requires_the_code_of_conduct_then_verify_and_post(page, live_server):
    # The code of conduct is shown, rendered, beside the form.
    page.goto("/register")
    assert page.locator(".coc-body h1").inner_text() == "Our code of conduct"
    assert "version 1" in page.locator("label.check").inner_text()

    register(page, "anna", accept=False)
    expect(page.locator(".error").filter(has_text="accept the code of conduct")).to_be_visible()
    assert page.input_value("input[name=username]") == "anna"  # nothing typed is lost

    page.check("input[name=accept_coc]")
    page.fill("input[name=password]", "a long enough passphrase")
    page.wait_for_timeout(3100)
    page.click("#register-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Check your email")

    # Unverified: can sign in and read, cannot post, and is told so before writing anything.
    login(page, "anna", "a long enough passphrase")
    page.goto("/new-topic")
    expect(page.locator(".posting-blocked").filter(has_text="confirm your email")).to_be_visible()
    expect(page.locator("input[name=title]")).to_have_count(0)

    page.goto(mail_link(live_server.outbox, "/verify/"))
    expect(page.locator(".flash").filter(has_text="confirmed")).to_be_visible()
    if page.locator("input[name=login]").count():  # the link may ask to sign in again
        login(page, "anna", "a long enough passphrase")

    page.goto("/new-topic")
    page.select_option("select[name=category]", label="General")
    page.fill("input[name=title]", "Hello from a new member")
    page.fill("textarea[name=body]", "My **first** words here.")
    page.click("button[name=preview]")
    assert page.locator(".preview-block strong").inner_text() == "first"
    page.click("button:has-text('Create topic')")
    page.wait_for_url(re.compile(r".*/t/hello-from-a-new-member/\d+"))
    assert page.locator("h1").inner_text() == "Hello from a new member"
    assert page.locator(".post .cooked strong").first.inner_text() == "first"


def test_reply_quote_edit_and_history(page, app):
    make_user("bruno")
    login(page, "bruno")
    page.goto("/new-topic")
    page.select_option("select[name=category]", label="Support")
    page.fill("input[name=title]", "Grinder makes a noise")
    page.fill("textarea[name=body]", "It squeaks when grinding fine.")
    page.click("button:has-text('Create topic')")
    page.wait_for_url(re.compile(r".*/t/grinder-makes-a-noise/\d+"))

    page.fill("#reply textarea[name=body]", "Update: it only squeaks with **oily** beans.")
    page.click("#reply button:has-text('Reply')")
    page.wait_for_url(re.compile(r".*#p2$"))
    reply = page.locator("#p2")
    assert "oily" in reply.locator(".cooked").inner_text()

    # Quote the first post into the reply box (in place, by the composer script).
    page.locator("#p1 a:has-text('Quote')").click()
    expect(page.locator("#reply textarea[name=body]")).to_have_value(re.compile(r'^\[quote="bruno, post:1, topic:'))

    # Edit the reply: the change shows, with an "edited" link to the history.
    reply.locator("a:has-text('Edit')").click()
    page.fill("textarea[name=body]", "Update: it squeaks with oily beans only. Fixed by cleaning the burrs.")
    page.fill("input[name=reason]", "solved it")
    page.click("button:has-text('Save changes')")
    page.wait_for_url(re.compile(r".*#p2$"))
    assert "cleaning the burrs" in page.locator("#p2 .cooked").inner_text()
    page.locator("#p2 a.edited").click()
    assert page.locator(".revision").first.locator(".cooked").inner_text().startswith("Update: it only squeaks")
    assert "solved it" in page.locator(".revision").first.inner_text()


def test_new_code_of_conduct_asks_for_acceptance_and_keeps_the_draft(page, app, browser, live_server):
    make_user("admin1", role="admin")
    make_user("carla")
    from forum.discussions import services as discussions
    from forum.discussions.models import Category
    from forum.extensions import db

    general = db.session.scalar(db.select(Category).where(Category.slug == "general"))
    topic = discussions.create_topic(make_user("dario"), general, "Weekend brewing plans", "Who brews what?").post.topic

    # The admin publishes version 2 from the admin page.
    admin_ctx = browser.new_context(base_url=live_server.url)
    admin_page = admin_ctx.new_page()
    login(admin_page, "admin1")
    admin_page.goto("/admin/code-of-conduct")
    admin_page.fill("textarea[name=body]", "# Rules v2\n\nBe kind. No spam. Stay on topic, please.")
    admin_page.fill("textarea[name=summary]", "Added: stay on topic.")
    admin_page.click("button:has-text('Publish')")
    expect(admin_page.locator(".flash").filter(has_text="Version 2")).to_be_visible()
    admin_ctx.close()

    login(page, "carla")
    expect(page.locator(".banner.warning").filter(has_text="code of conduct was updated")).to_be_visible()
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.fill("#reply textarea[name=body]", "I'll try a Kenyan roast this weekend.")
    page.click("#reply button:has-text('Reply')")
    # Asked to accept, with the summary of changes, draft kept.
    page.wait_for_url(re.compile(r".*/code-of-conduct\?next=.*"))
    assert "Added: stay on topic." in page.locator(".callout").inner_text()
    page.check("input[name=accept]")
    page.click("button:has-text('Accept and continue')")
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}.*"))
    assert page.input_value("#reply textarea[name=body]") == "I'll try a Kenyan roast this weekend."
    assert page.locator(".banner.warning").count() == 0
    page.click("#reply button:has-text('Reply')")
    page.wait_for_url(re.compile(r".*#p2$"))
    assert "Kenyan roast" in page.locator("#p2 .cooked").inner_text()


def test_layout_fits_a_375px_phone(browser, live_server, app):
    make_user("phone")
    context = browser.new_context(base_url=live_server.url, viewport={"width": 375, "height": 740})
    page = context.new_page()
    for path in ("/", "/latest", "/register", "/login", "/c/general"):
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 375px"
    context.close()


def test_two_tabs_editing_one_post_the_second_save_shows_both_texts(page, live_server):
    make_user("tabby")
    login(page, "tabby")
    page.goto("/new-topic")
    page.select_option("select[name=category]", label="General")
    page.fill("input[name=title]", "Milk frother settings")
    page.fill("textarea[name=body]", "Steam for five seconds.")
    page.click("button:has-text('Create topic')")
    page.wait_for_url(re.compile(r".*/t/milk-frother-settings/\d+"))
    edit_url = page.locator(".post a:has-text('Edit')").first.get_attribute("href")
    second = page.context.new_page()
    page.goto(edit_url)
    second.goto(edit_url)
    page.fill("textarea[name=body]", "Steam for eight seconds.")
    page.click("button:has-text('Save changes')")
    expect(page.locator(".flash")).to_contain_text("Your changes were saved")
    second.fill("textarea[name=body]", "Steam for five seconds, then swirl.")
    second.click("button:has-text('Save changes')")
    expect(second.locator(".form-errors")).to_contain_text("Someone changed this post while you were editing it")
    expect(second.locator(".edit-conflict .cooked")).to_contain_text("Steam for eight seconds.")
    assert second.input_value("textarea[name=body]") == "Steam for five seconds, then swirl."
    second.click("button:has-text('Save changes')")  # merged (here: kept) and saved again
    expect(second.locator(".flash")).to_contain_text("Your changes were saved")
