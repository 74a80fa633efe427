"""A notice follows the reader's language: a member reads a notice in Italian, switches the
interface to French in the footer, and reads the same notice in French (issue 11)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_date, format_time
from playwright.sync_api import expect

from forum.moderation import services as moderation
from tests.e2e.conftest import login
from tests.factories import make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def site_datetime(moment: datetime, zone: str, locale: str) -> str:
    """The site's absolute format: the locale's medium date with its short time."""
    local = moment.astimezone(ZoneInfo(zone))
    pattern = str(Locale.parse(locale).datetime_formats["medium"])
    return pattern.format(format_time(local, "short", locale=locale), format_date(local, "medium", locale=locale))


def test_switching_language_in_the_footer_translates_existing_notices(browser, page, live_server, app):
    mod = make_user("mona", role="moderator")
    lucia = make_user("lucia", locale="it")  # her browser says en-GB: her setting wins
    with app.test_request_context("/"):
        sanction = moderation.silence_user(mod, lucia, timedelta(days=2), "Troppi messaggi uguali.")
    until = sanction.expires_at

    login(page, "lucia")
    page.goto("/notifications")
    notices = page.locator(".notifications")
    expect(notices).to_contain_text("Il tuo account è in sola lettura fino al")
    # The browser runs in Rome (tests/e2e/conftest.py): times are shown in the reader's zone.
    expect(notices).to_contain_text(site_datetime(until, "Europe/Rome", "it"))

    page.click(".lang-switch button[value=fr]")
    page.wait_for_url("**/notifications")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(notices).to_contain_text("Votre compte est en lecture seule jusqu’au")
    expect(notices).to_contain_text(site_datetime(until, "Europe/Rome", "fr"))
    expect(notices).to_contain_text("Troppi messaggi uguali.")  # the moderator's words stay as written
    expect(notices).not_to_contain_text("sola lettura")
    # Opening the notice goes to where the member reads about their status.
    notices.locator("button.notice-open").first.click()
    page.wait_for_url("**/moderation/me")
    assert page.js_errors == []
