"""Email that people want, in Chromium: a member chooses how they hear about things on the
preferences page, reads the summary mail (light and dark, phone width), and turns mail off from
the link in it without signing in."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import expect

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.notifications import preferences
from forum.notifications.digests import send_digest
from tests.e2e.conftest import login, mail_link
from tests.factories import make_category, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_preferences_then_unsubscribing_from_the_summary_mail(browser, page, live_server, app):
    long_ago = utcnow() - timedelta(days=30)
    make_user("anna", created_at=long_ago, last_seen_at=long_ago)
    make_topic(make_user("bruno"), make_category("Kitchen"), title="Descaling the kettle, step by step",
               body="Citric acid, then rinse twice.")
    with live_server.app.test_request_context("/", base_url=live_server.url):  # as the worker runs jobs
        member = db.session.scalar(db.select(User).filter_by(username="anna"))
        assert send_digest(member)
        kinds = [k for k in preferences.choosable_kinds() if k.subject is not None]
    assert kinds, "some kind can be mailed"
    kind = kinds[0]

    # The summary as a mail client shows it: branded, readable at phone width, dark mode honoured.
    [mail] = [m for m in live_server.outbox if m.to == "anna@example.com"]
    viewer = browser.new_context(viewport={"width": 375, "height": 800})
    mail_page = viewer.new_page()
    mail_page.set_content(mail.html)
    expect(mail_page.get_by_role("heading", name="What you missed")).to_be_visible()
    expect(mail_page.get_by_role("link", name="Descaling the kettle, step by step")).to_be_visible()
    assert no_sideways_scroll(mail_page)
    card = mail_page.locator(".mail-card")
    assert card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(255, 255, 255)"
    mail_page.emulate_media(color_scheme="dark")
    assert card.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(29, 33, 38)"
    viewer.close()

    # The preferences page, reached from the member's settings.
    login(page, "anna")
    page.goto("/settings")
    page.get_by_role("link", name="Change your notification preferences").click()
    page.wait_for_url("**/settings/notifications")
    page.get_by_label(str(kind.label), exact=True).select_option("never")
    page.get_by_label("Summary email").select_option("daily")
    page.get_by_label("Track the topics I reply to").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Your notification preferences were saved.")
    expect(page.get_by_label(str(kind.label), exact=True)).to_have_value("never")
    expect(page.get_by_label("Summary email")).to_have_value("daily")
    expect(page.get_by_label("Track the topics I reply to")).not_to_be_checked()
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    assert no_sideways_scroll(page)

    # The link in the summary, opened where nobody is signed in.
    path = mail_link([mail], "/email/unsubscribe/")
    stranger = browser.new_context(base_url=live_server.url, locale="en-GB")
    other = stranger.new_page()
    other.goto(path)
    expect(other.get_by_role("heading", name="Email from Circolo")).to_be_visible()
    expect(other.locator("main")).to_contain_text("You do not need to sign in.")
    expect(other.locator(".unsubscribe-state")).to_contain_text("Summary email: Daily")
    other.get_by_label("Stop all notification email and summaries").check()
    other.get_by_role("button", name="Save").click()
    expect(other.locator(".flash")).to_contain_text("Your email preferences were saved.")
    expect(other.locator(".unsubscribe-state")).to_contain_text("All notification email is paused.")
    expect(other.locator(".unsubscribe-state")).to_contain_text("Summary email: Never")
    stranger.close()

    db.session.expire_all()
    anna = db.session.scalar(db.select(User).filter_by(username="anna"))
    assert anna.digest == "never" and preferences.email_paused(anna)
    assert preferences.chosen_delivery(anna, kind) == "never"  # her own choice, kept for when she resumes
    assert page.js_errors == []
