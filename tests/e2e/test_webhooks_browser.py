"""Webhooks and escalations in a real browser: an admin adds an endpoint and sends a test ping
that a local receiver gets, signed; a staff member escalates a post and the helpdesk's receiver
gets the escalation while the topic shows it to staff."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from forum.webhooks.services import EndpointInput, create_endpoint
from tests.e2e.conftest import login
from tests.factories import general_category, make_reply, make_staff, make_topic, make_user
from tests.webhooks.receiver import Receiver, running_receiver, verify_circolo

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as running:
        yield running


def test_an_admin_adds_an_endpoint_and_the_test_ping_arrives(page, live_server, receiver):
    make_user("ada", role="admin")
    login(page, "ada")
    page.goto("/admin/webhooks")
    page.click("text=Add an endpoint")
    page.fill("input[name=url]", receiver.url("/circolo"))
    page.fill("input[name=description]", "Our helpdesk")
    page.check("input[name=events][value=topic_created]")
    page.check("input[name=events][value=escalation_created]")
    page.check("input[name=allow_internal]")
    page.click("#endpoint-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/admin/webhooks/\d+$"))
    secret = page.locator("#endpoint-secret").inner_text().strip()
    assert secret.startswith("whsec_")

    page.click("button:has-text('Send a test ping')")
    page.wait_for_url(re.compile(r".*/admin/webhooks/\d+/deliveries$"))
    assert receiver.hit.wait(5), "the receiver got nothing"
    ping = receiver.requests[0]
    assert ping.path == "/circolo" and ping.headers["Circolo-Event"] == "ping"
    assert verify_circolo(secret, ping.body, ping.headers["Circolo-Signature"])
    assert json.loads(ping.body)["data"]["events"] == ["topic_created", "escalation_created"]
    page.reload()
    row = page.locator("#delivery-log tr.delivery").first
    assert "ping" in row.inner_text() and "Delivered" in row.inner_text() and "200" in row.inner_text()
    assert page.js_errors == []


def test_a_staff_member_escalates_a_post(browser, page, live_server, receiver):
    admin = make_user("ada", role="admin")
    endpoint = create_endpoint(admin, EndpointInput(url=receiver.url(), description="", events=["escalation_created"],
                                                    active=True, allow_internal=True))
    make_staff("sam", display_name="Sam Support")
    topic = make_topic(make_user("marco"), general_category(), title="My kettle whistles all night")
    make_reply(topic, make_user("rita"), "Mine too, and it is under warranty.")

    login(page, "sam")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.locator("#p2 a.escalate-link").click()
    page.fill("textarea[name=reason]", "Warranty replacement for Rita")
    page.select_option("select[name=priority]", "high")
    page.click("#escalation-form button[type=submit]")
    header = page.locator("#topic-escalations")
    header.wait_for()
    assert f"/t/{topic.slug}/{topic.id}" in page.url
    assert "Escalated" in header.inner_text() and "waiting for a ticket" in header.inner_text()

    assert receiver.hit.wait(5), "the helpdesk got nothing"
    delivery = receiver.requests[0]
    assert delivery.headers["Circolo-Event"] == "escalation_created"
    assert verify_circolo(endpoint.secret, delivery.body, delivery.headers["Circolo-Signature"])
    data = json.loads(delivery.body)["data"]
    assert data["escalation"]["priority"] == "high" and data["post"]["post_number"] == 2
    assert data["topic"]["title"] == "My kettle whistles all night"

    visitor = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    visitor.goto(f"/t/{topic.slug}/{topic.id}")
    assert visitor.locator("#topic-escalations").count() == 0
    assert visitor.locator("a.escalate-link").count() == 0
    assert page.js_errors == []


def _labels_shown(page, row: str) -> set[str]:
    """What the small screen's CSS writes before each value of the first ``row`` (::before)."""
    return set(page.evaluate(
        """(row) => [...document.querySelector(row).querySelectorAll('td')].map(
               td => getComputedStyle(td, '::before').content.replace(/^"|"$/g, '').replace(/\\u00a0|\u00a0/g, ' '))""",
        row))


def test_the_webhook_pages_fit_a_phone_and_label_their_values(browser, live_server, receiver):
    admin = make_user("ada", role="admin")
    endpoint = create_endpoint(admin, EndpointInput(url=receiver.url("/a-rather-long-path/" + "x" * 60),
                                                    description="", events=["topic_created"], active=True,
                                                    allow_internal=True))
    phone = browser.new_context(base_url=live_server.url, locale="en-GB",
                                viewport={"width": 375, "height": 740}).new_page()
    login(phone, "ada")
    phone.goto(f"/admin/webhooks/{endpoint.id}")
    ping = phone.locator("button:has-text('Send a test ping')").bounding_box()
    delete = phone.locator("button:has-text('Delete this endpoint')").bounding_box()
    assert ping and delete
    apart = (delete["x"] - (ping["x"] + ping["width"]) if abs(delete["y"] - ping["y"]) < 2
             else delete["y"] - (ping["y"] + ping["height"]))
    assert apart >= 6, "the two buttons touch"
    assert "Topic created" in phone.locator("#endpoint-form").inner_text()
    assert "(topic_created)" in phone.locator("#endpoint-form").inner_text()
    phone.click("button:has-text('Send a test ping')")
    phone.wait_for_url(re.compile(r".*/admin/webhooks/\d+/deliveries$"))
    assert receiver.hit.wait(5)
    phone.reload()
    assert {"Answer: ", "Response time: ", "Attempts: "} <= _labels_shown(phone, "#delivery-log tr.delivery")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.locator("#delivery-log tr.delivery a").first.click()
    phone.wait_for_url(re.compile(r".*/admin/webhooks/deliveries/\d+$"))
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    phone.goto("/admin/webhooks")
    assert "Failures in a row: " in _labels_shown(phone, "table.list tbody tr")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
