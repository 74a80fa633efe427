"""Tags in a real browser: a member creates a topic with a tag from the composer, the chip shows
on /latest and on the topic, the tag's page lists it, and the search box's ``tag:`` finds it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from forum.discussions import services as discussions
from forum.extensions import db
from forum.tags.models import Tag
from tests.e2e.conftest import login
from tests.factories import make_category, make_established_user, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


def new_page(browser: Any, live_server: Any, width: int = 1280) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", viewport={"width": width, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def test_member_tags_a_new_topic_and_finds_it_by_tag(browser, live_server, app):
    desk = make_category("Support desk", slug="support-desk")
    db.session.add_all([Tag(name="moka-pro", description="The Moka Pro"), Tag(name="firmware-2-1")])
    db.session.commit()
    # Suggestions name only tags on topics the member may read: one public topic carries moka-pro.
    discussions.create_topic(make_user("boss", role="admin"), desk, "Moka Pro owners, say hello",
                             "Welcome, Moka Pro owners.", tags="moka-pro")
    make_established_user("marco")

    page = new_page(browser, live_server, width=375)  # a phone: the field and the chips fit
    login(page, "marco")
    page.goto("/new-topic")
    page.get_by_label("Category").select_option(label="Support desk")
    page.get_by_label("Title").fill("The gasket of my machine leaks")
    page.locator("textarea[name=body]").fill("Since the last update the gasket leaks a little water.")
    page.get_by_label("Tags").fill("mok")  # the suggestions come from tags.js
    expect(page.locator("datalist option").first).to_have_attribute("value", "moka-pro")
    page.get_by_label("Tags").fill("moka-pro, Invented Tag")
    page.get_by_role("button", name="Create topic").click()
    # A member may not create tags: the message says so and everything typed is kept.
    expect(page.locator(".field.has-error")).to_contain_text("There is no tag “invented-tag”")
    expect(page.get_by_label("Title")).to_have_value("The gasket of my machine leaks")
    expect(page.get_by_label("Tags")).to_have_value("moka-pro, Invented Tag")
    page.get_by_label("Tags").fill("moka-pro")
    page.get_by_role("button", name="Create topic").click()
    page.wait_for_url("**/t/**")
    expect(page.locator(".topic-head .topic-tag")).to_have_text(["moka-pro"])

    page.goto("/latest")
    row = page.locator("tr", has_text="The gasket of my machine leaks")
    expect(row.locator(".topic-tag")).to_have_text(["moka-pro"])
    row.locator(".topic-tag").click()
    page.wait_for_url("**/tag/moka-pro")
    expect(page.get_by_role("heading", level=1)).to_contain_text("moka-pro")
    expect(page.locator("table.topics")).to_contain_text("The gasket of my machine leaks")

    page.goto("/latest?tag=moka-pro")  # the active filter is shown, kept by the filter links, cleared
    expect(page.locator(".tag-filter")).to_contain_text("moka-pro")
    page.locator("nav.filters").get_by_role("link", name="Unsolved").click()
    page.wait_for_url("**/latest?solved=no&tag=moka-pro")
    page.locator(".tag-filter").get_by_role("link", name="clear").click()
    page.wait_for_url("**/latest?solved=no")
    expect(page.locator(".tag-filter")).to_have_count(0)

    page.goto("/search?q=gasket+tag%3Amoka-pro")
    expect(page.locator(".search-hit").first).to_contain_text("The gasket of my machine leaks")
    page.goto("/search?q=tag%3Afirmware-2-1")
    expect(page.locator(".search-hit")).to_have_count(0)
    assert page.js_errors == []
