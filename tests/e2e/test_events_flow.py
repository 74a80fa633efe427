"""Events in a real browser: a host creates a meetup through the form, members RSVP until it is
full, the next member is waitlisted, one cancels and the waitlisted member is promoted."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from forum.db_types import utcnow
from tests.e2e.conftest import login
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def logout(page) -> None:  # type: ignore[no-untyped-def]
    page.click("header .user-menu > summary")  # "Log out" sits in the header's menu
    page.click("header .user-menu button:has-text('Log out')")
    page.wait_for_load_state()


def test_rsvp_until_full_then_waitlist_promotion(browser, page, live_server, app):
    make_user("organiser", role="moderator")
    for name in ("anna", "bruno", "carla"):
        make_user(name)

    login(page, "organiser")
    page.goto("/events")
    page.click("a:has-text('New event')")
    day = (utcnow() + timedelta(days=14)).date().isoformat()
    page.fill("input[name=title]", "Espresso tasting night")
    page.fill("textarea[name=description]", "We taste **three** blends together.")
    page.select_option("select[name=timezone]", "Europe/Rome")
    page.fill("input[name=start_date]", day)
    page.fill("input[name=start_time]", "19:00")
    page.fill("input[name=end_time]", "21:00")
    page.fill("input[name=venue]", "Caffè Centrale")
    page.fill("input[name=online_url]", "https://meet.example.com/espresso")
    page.fill("input[name=capacity]", "2")
    page.click("button:has-text('Create event')")
    page.wait_for_url(re.compile(r".*/events/\d+/espresso-tasting-night$"))
    event_url = page.url
    assert "Europe/Rome" in page.locator(".event-when").inner_text()
    assert page.locator(".event-description strong").inner_text() == "three"
    logout(page)

    # Each member in their own browser.
    members = {}
    errors: list[str] = []
    for name in ("anna", "bruno", "carla"):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/London")
        member_page = context.new_page()
        member_page.on("pageerror", lambda exc: errors.append(str(exc)))
        login(member_page, name)
        member_page.goto(event_url)
        assert "meet.example.com" not in member_page.content()  # not going yet: no online link
        member_page.click(".rsvp-buttons button[value=going]")
        member_page.wait_for_load_state()
        members[name] = member_page

    assert members["anna"].locator(".my-status").get_attribute("data-status") == "going"
    assert members["bruno"].locator(".my-status").get_attribute("data-status") == "going"
    carla = members["carla"]
    assert carla.locator(".my-status").get_attribute("data-status") == "waitlisted"
    assert "waitlist (number 1)" in carla.locator(".my-status").inner_text()
    assert "meet.example.com" not in carla.content()
    assert "Full" in carla.locator(".capacity").inner_text()

    anna = members["anna"]
    anna.reload()
    assert anna.locator(".online-link a").get_attribute("href") == "https://meet.example.com/espresso"
    anna.click(".rsvp-buttons button[value=not_going]")
    anna.wait_for_load_state()
    assert anna.locator(".my-status").get_attribute("data-status") == "not_going"

    carla.reload()
    assert carla.locator(".my-status").get_attribute("data-status") == "going"
    assert "You are going" in carla.locator(".my-status").inner_text()
    expect(carla.locator(".online-link a")).to_be_visible()
    # Carla was told about her seat.
    carla.goto("/notifications")
    assert "A seat opened up" in carla.locator(".notifications").inner_text()
    # Carla's browser runs in London: she sees her own time next to the event's.
    carla.goto(event_url)
    assert "your time" in carla.locator(".event-when").inner_text()
    assert errors == [] and page.js_errors == []


def test_a_named_cohost_accepts_the_invitation_before_hosting(browser, page, live_server, app):
    make_user("organiser", role="moderator")
    make_user("emma")
    login(page, "organiser")
    page.goto("/events/new")
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    page.fill("input[name=title]", "Latte art class")
    page.fill("textarea[name=description]", "Bring your own cup.")
    page.fill("input[name=start_date]", day)
    page.fill("input[name=start_time]", "18:00")
    page.fill("input[name=end_time]", "20:00")
    page.fill("input[name=venue]", "Caffè Centrale")
    page.fill("input[name=cohosts]", "emma")
    page.click("button:has-text('Create event')")
    page.wait_for_url(re.compile(r".*/events/\d+/latte-art-class$"))
    event_url = page.url
    expect(page.locator("[data-cohost=emma]")).to_have_attribute("data-state", "invited")
    expect(page.locator("p.hosted-by")).not_to_contain_text("Emma")  # not a host until she accepts

    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        emma = context.new_page()
        login(emma, "emma")
        emma.goto("/notifications")
        emma.click(".notifications button:has-text('invited you to co-host')")
        expect(emma.locator("#cohost")).to_contain_text("You are invited to co-host this event.")
        emma.click("#cohost button:has-text('Accept')")
        expect(emma.locator(".flash")).to_contain_text("You are now a co-host of this event.")
        expect(emma.locator("a:has-text('Edit')").first).to_be_visible()  # hosts edit the event
    finally:
        context.close()
    page.goto(event_url)
    expect(page.locator("[data-cohost=emma]")).to_have_attribute("data-state", "accepted")
    expect(page.locator("p.hosted-by")).to_contain_text("Emma")
