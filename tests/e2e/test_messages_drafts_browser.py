"""The message composer in a real browser: a conversation's reply box keeps its draft on the
server (typed, reloaded, restored), and Quote inserts a message of the conversation at the caret."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from forum.messages import services
from tests.e2e.conftest import login
from tests.factories import make_established_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": False}


def test_reply_box_draft_survives_a_reload_and_quote_inserts_the_message(page, live_server, app):
    alice, bob = make_established_user("alice"), make_established_user("bob")
    conversation = services.start_conversation(alice, "About Saturday", "Shall we meet at the roastery at 10?",
                                               to_users=[bob])
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    login(page, "bob")
    page.goto(f"/messages/{conversation.id}")
    box = page.locator("#reply textarea[name=body]")
    box.click()
    box.type("Yes, and I bring the beans.")
    expect(page.locator("#reply [data-draft-status]")).to_have_text("Draft saved", timeout=8000)

    page.reload()
    expect(box).to_have_value("Yes, and I bring the beans.")
    expect(page.locator(".restored-draft")).to_be_visible()

    page.evaluate("window.__samePage = true")  # a reload would forget it
    page.locator("#m1 a.js-quote").click()
    expect(box).to_have_value(re.compile(r'^Yes, and I bring the beans\.\n\n\[quote="alice"\]\n'
                                         r"Shall we meet at the roastery at 10\?\n\[/quote\]\n\n$"))
    assert page.evaluate("window.__samePage") is True
    # The quote is saved with the draft too.
    expect(page.locator("#reply [data-draft-status]")).to_have_text("Draft saved", timeout=8000)
    page.locator("#reply-form button.primary").click()
    expect(page.locator("#m2 .cooked aside.quote")).to_contain_text("Shall we meet at the roastery")
    expect(page.locator(".restored-draft")).to_have_count(0)
    assert errors == []
