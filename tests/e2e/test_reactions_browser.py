"""Reactions and bookmarks in a real browser: a member likes a reply, changes to another reaction
from the picker, takes it back, sees who reacted, and bookmarks the reply with a reminder for
tomorrow, on a desktop and on a phone, in light and dark; without JavaScript the same forms work
by reloading the page; the author's bell says who liked the post."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions.models import Bookmark, Post, PostReaction
from forum.extensions import db
from tests.e2e.conftest import login
from tests.factories import general_category, make_reply, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


@pytest.fixture
def reply(app: Any) -> Post:
    topic = make_topic(make_user("anna", display_name="Anna"), general_category(), title="Which beans for espresso?")
    make_user("bruno", display_name="Bruno", timezone="Europe/Rome")
    make_user("carla", display_name="Carla")
    return make_reply(topic, make_user("giulia", display_name="Giulia"), "A medium roast, ground fine.")


def browser_page(browser: Any, live_server: Any, viewport: dict[str, int], scheme: str = "light",
                 javascript: bool = True) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Rome",
                                  viewport=viewport, color_scheme=scheme, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def rows(post_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted(db.session.execute(select(User.username, PostReaction.reaction)
                                     .join(User, User.id == PostReaction.user_id)
                                     .where(PostReaction.post_id == post_id)).all())


def fits(page: Any) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


@pytest.mark.parametrize(("viewport", "scheme"), [(DESKTOP, "light"), (PHONE, "dark")])
def test_like_change_undo_who_reacted_and_bookmark(browser, live_server, reply, viewport, scheme, tmp_path):
    url = f"/t/{reply.topic.slug}/{reply.topic_id}"
    carla = browser_page(browser, live_server, viewport, scheme)
    login(carla, "carla")
    carla.goto(url)
    carla.locator(f"#reactions-{reply.id} button[aria-pressed]").first.click()  # Carla likes it first
    expect(carla.locator(f"#reactions-{reply.id} .reaction.mine .count")).to_have_text("1")

    page = browser_page(browser, live_server, viewport, scheme)
    login(page, "bruno")
    page.goto(url)
    row = page.locator(f"#reactions-{reply.id}")
    like = row.get_by_role("button", name="Like")
    expect(like).to_have_attribute("aria-pressed", "false")
    like.click()
    expect(row.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    expect(row.get_by_role("button", name="Like")).to_contain_text("2")
    assert rows(reply.id) == [("bruno", "heart"), ("carla", "heart")]
    fits(page)
    page.screenshot(path=str(tmp_path / f"liked-{viewport['width']}-{scheme}.png"), full_page=True)

    # Change to another reaction from the "more reactions" picker.
    row.locator("details.reaction-picker > summary").click()
    row.get_by_role("button", name="Funny").click()
    expect(row.get_by_role("button", name="Funny")).to_have_attribute("aria-pressed", "true")
    expect(row.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "false")
    assert rows(reply.id) == [("bruno", "laughing"), ("carla", "heart")]

    # Who reacted: the box loads the names.
    row.locator("details.who-reacted > summary").click()
    expect(row.locator(".who-list")).to_contain_text("Carla")
    expect(row.locator(".who-list")).to_contain_text("Bruno")

    # Take it back: press the pressed one again.
    row.get_by_role("button", name="Funny").click()
    expect(row.locator(".reaction.mine")).to_have_count(0)
    expect(row.get_by_role("button", name="Like")).to_contain_text("1")
    assert rows(reply.id) == [("carla", "heart")]

    # Bookmark with a reminder for tomorrow morning.
    tools = page.locator(f"#bookmark-{reply.id}")
    tools.locator("details.bookmark-box > summary").click()
    tools.get_by_label("Note (optional)").fill("Try this roast")
    tools.get_by_label("Remind me").select_option("tomorrow")
    expect(tools.get_by_label("Date and time")).to_be_hidden()  # only for "At a date and time"
    fits(page)
    page.screenshot(path=str(tmp_path / f"bookmark-form-{viewport['width']}-{scheme}.png"), full_page=True)
    tools.get_by_role("button", name="Save bookmark").click()
    expect(page.locator(f"#bookmark-{reply.id}").get_by_role("button", name="Remove bookmark")).to_be_visible()
    expect(page.locator(f"#bookmark-{reply.id} summary")).to_contain_text("Reminder")
    db.session.expire_all()
    bookmark = db.session.scalar(select(Bookmark).where(Bookmark.post_id == reply.id))
    assert bookmark is not None and bookmark.note == "Try this roast" and bookmark.remind_at is not None
    assert bookmark.remind_at.astimezone(ZoneInfo("Europe/Rome")).hour == 8

    page.goto("/bookmarks")
    expect(page.locator(".bookmark-item")).to_contain_text("Which beans for espresso?")
    expect(page.locator(".bookmark-item")).to_contain_text("Try this roast")
    fits(page)
    assert page.js_errors == [] and carla.js_errors == []
    page.context.close()
    carla.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_picker_names_its_reactions_and_never_covers_who_reacted(browser, live_server, reply,
                                                                               scheme, tmp_path):
    url = f"/t/{reply.topic.slug}/{reply.topic_id}"
    page = browser_page(browser, live_server, PHONE, scheme)
    login(page, "carla")
    page.goto(url)
    row = page.locator(f"#reactions-{reply.id}")
    row.get_by_role("button", name="Like").click()  # so there is someone to list
    expect(row.get_by_role("button", name="Like")).to_have_attribute("aria-pressed", "true")
    picker, who = row.locator("details.reaction-picker"), row.locator("details.who-reacted")

    # Touch screens show no tooltips: each option says its name, on the screen.
    picker.locator("summary").click()
    options = picker.locator(".picker-panel button")
    expect(options).to_have_count(4)
    for name in ("Thumbs up", "Funny", "Surprised", "Thank you"):
        option = picker.get_by_role("button", name=name)
        expect(option).to_be_visible()
        expect(option).to_have_text(name)
        left, right = option.evaluate("e => [e.getBoundingClientRect().left, e.getBoundingClientRect().right]")
        assert left >= 0 and right <= PHONE["width"], f"{name} goes off the screen ({left}, {right})"
    fits(page)
    page.screenshot(path=str(tmp_path / f"picker-375-{scheme}.png"))

    # Opening one closes the other, both ways.
    who.locator("summary").click()
    expect(who).to_have_attribute("open", "")
    expect(picker).not_to_have_attribute("open", "")
    expect(row.locator(".who-list")).to_contain_text("Carla")
    picker.locator("summary").click()
    expect(picker).to_have_attribute("open", "")
    expect(who).not_to_have_attribute("open", "")
    # And the picker closes like a menu: on Escape, and on a tap elsewhere.
    page.keyboard.press("Escape")
    expect(picker).not_to_have_attribute("open", "")
    picker.locator("summary").click()
    page.locator("main h1").click()
    expect(picker).not_to_have_attribute("open", "")
    # It still works after the row was swapped for a fresh one.
    picker.locator("summary").click()
    picker.get_by_role("button", name="Thank you").click()
    expect(row.get_by_role("button", name="Thank you")).to_have_attribute("aria-pressed", "true")
    row.locator("details.who-reacted > summary").click()
    row.locator("details.reaction-picker > summary").click()
    expect(row.locator("details.who-reacted")).not_to_have_attribute("open", "")
    assert rows(reply.id) == [("carla", "thankful")]
    assert page.js_errors == []
    page.context.close()


def test_without_javascript_the_forms_reload_the_page(browser, live_server, reply):
    page = browser_page(browser, live_server, DESKTOP, javascript=False)
    login(page, "bruno")
    url = f"/t/{reply.topic.slug}/{reply.topic_id}"
    page.goto(url)
    row = page.locator(f"#reactions-{reply.id}")
    row.get_by_role("button", name="Like").click()
    page.wait_for_load_state()
    expect(page.locator(f"#reactions-{reply.id}").get_by_role("button", name="Like")).to_have_attribute(
        "aria-pressed", "true")
    assert rows(reply.id) == [("bruno", "heart")]
    page.locator(f"#reactions-{reply.id} details.who-reacted > summary").click()
    page.locator(f"#reactions-{reply.id} .who-panel a").click()  # the page of who reacted
    expect(page.locator(".who-list")).to_contain_text("Bruno")
    page.goto(url)
    page.locator(f"#bookmark-{reply.id}").get_by_role("button", name="Bookmark").click()
    page.wait_for_load_state()
    expect(page.locator(f"#bookmark-{reply.id}").get_by_role("button", name="Remove bookmark")).to_be_visible()
    page.context.close()


def test_the_author_hears_who_liked_the_post(browser, live_server, reply):
    page = browser_page(browser, live_server, DESKTOP)
    for name in ("bruno", "carla"):
        login(page, name)
        page.goto(f"/t/{reply.topic.slug}/{reply.topic_id}")
        page.locator(f"#reactions-{reply.id}").get_by_role("button", name="Like").click()
        expect(page.locator(f"#reactions-{reply.id}").get_by_role("button", name="Like")).to_have_attribute(
            "aria-pressed", "true")
        page.context.clear_cookies()
    login(page, "giulia")
    page.goto("/notifications")
    expect(page.locator("main")).to_contain_text("Carla and Bruno liked your post in “Which beans for espresso?”")
    page.context.close()
