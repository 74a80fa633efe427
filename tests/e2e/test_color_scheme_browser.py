"""Light, dark or the device's scheme, in a real browser: chosen from the footer (visitors) or
the settings (members), rendered by the server (no flash, no script), and readable in both."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from forum.colors import contrast_ratio
from tests.e2e.conftest import login
from tests.factories import general_category, make_established_user, make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

DARK_BG, LIGHT_BG = "rgb(20, 23, 27)", "rgb(246, 247, 249)"


def new_page(browser: Any, live_server: Any, **kw: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", **kw)
    context.set_default_timeout(10_000)
    return context.new_page()


def background(page: Any) -> str:
    return page.evaluate("getComputedStyle(document.body).backgroundColor")


def hex_colour(page: Any, selector: str, prop: str = "color") -> str:
    rgb = page.locator(selector).first.evaluate(f"e => getComputedStyle(e).{prop}")
    r, g, b = (int(v) for v in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def test_a_visitor_switches_to_dark_and_back_without_javascript(browser, live_server, app):
    page = new_page(browser, live_server, color_scheme="light", java_script_enabled=False)
    page.goto("/latest")
    assert background(page) == LIGHT_BG
    page.click("footer .scheme-switch button[value=dark]")
    page.wait_for_url("**/latest")
    assert page.locator("html").get_attribute("data-scheme") == "dark"
    assert background(page) == DARK_BG
    expect(page.locator("footer .scheme-switch button[value=dark]")).to_have_attribute("aria-pressed", "true")
    # The server sends the choice in the page itself: a fresh load is dark from the first byte.
    html = page.request.get("/").text()
    assert '<html lang="en" data-scheme="dark">' in html
    page.click("footer .scheme-switch button[value=system]")
    assert page.locator("html").get_attribute("data-scheme") is None
    assert background(page) == LIGHT_BG  # the device (light here) decides again


def test_the_device_scheme_is_followed_until_a_choice_overrides_it(browser, live_server, app):
    page = new_page(browser, live_server, color_scheme="dark")
    page.goto("/")
    assert background(page) == DARK_BG
    page.click("footer .scheme-switch button[value=light]")
    page.wait_for_load_state()
    assert background(page) == LIGHT_BG  # an explicit light wins over a dark device


def test_a_member_choice_follows_them_to_another_device(browser, live_server, app):
    make_established_user("wendy")
    page = new_page(browser, live_server, color_scheme="light")
    login(page, "wendy")
    page.goto("/settings")
    page.select_option("select[name=color_scheme]", "dark")
    page.click("form.stack button[type=submit] >> nth=0")
    expect(page.locator(".flash.success")).to_be_visible()
    assert background(page) == DARK_BG
    other = new_page(browser, live_server, color_scheme="light")
    login(other, "wendy")
    other.goto("/")
    assert background(other) == DARK_BG


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_brand_coloured_text_reads_in_both_schemes(browser, live_server, app, scheme):
    from forum.extensions import db
    from forum.settings import set_setting

    set_setting("brand_primary", "#ffd400")  # a yellow an admin may well pick
    db.session.commit()
    topic = make_topic(make_established_user("wendy"), general_category(), title="Readable links")
    page = new_page(browser, live_server, color_scheme=scheme)
    page.goto(f"/t/{topic.slug}/{topic.id}")
    surface = hex_colour(page, "article.post", "backgroundColor")
    assert contrast_ratio(hex_colour(page, ".crumbs a"), hex_colour(page, "body", "backgroundColor")) >= 4.5
    assert contrast_ratio(hex_colour(page, "article.post .user-link"), surface) >= 4.5
    assert contrast_ratio(hex_colour(page, "footer a"), hex_colour(page, "body", "backgroundColor")) >= 4.5
    join = "header a.join-link"
    assert contrast_ratio(hex_colour(page, join), hex_colour(page, join, "backgroundColor")) >= 4.5
