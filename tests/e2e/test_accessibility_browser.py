"""axe-core on the main pages of every role, in light and dark: no serious or critical
violation (contrast, names, labels, focusable scroll boxes...).

axe-core comes from npm (package.json pins it; ``npm ci`` installs it in node_modules/).
Without it this test skips with a message, except where CIRCOLO_REQUIRE_AXE is set (.ci/run
sets it after installing), so CI never skips it silently.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from forum.accounts.services import publish_coc
from forum.discussions import services as discussions
from forum.extensions import db
from forum.settings import set_setting
from tests.e2e.conftest import login
from tests.factories import (
    general_category,
    make_established_user,
    make_event,
    make_reply,
    make_staff,
    make_topic,
    make_user,
    support_category,
)

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if not AXE.is_file():
        message = "axe-core is not installed: run `npm ci` in the repository root (see package.json)"
        if os.environ.get("CIRCOLO_REQUIRE_AXE"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.fixture
def world(app: Any) -> dict[str, str]:
    """A small lived-in forum: every kind of thing the main pages show."""
    admin = make_user("ada", role="admin", display_name="Ada Admin")
    # A long code of conduct: the register page's box scrolls (and must be focusable).
    rules = "\n\n".join(f"## Rule {n}\n\n" + "Be kind and patient with each other. " * 12 for n in range(1, 13))
    publish_coc(admin, rules, "Longer rules.")
    with app.test_request_context():
        giulia = make_staff("giulia", "Customer Care", display_name="Giulia Romano", title="Community Manager")
        wendy = make_established_user("wendy", display_name="Wendy")
        make_user("mona", role="moderator", display_name="Mona")
        body = "It leaks from the **gasket**.\n\n```\nsteam = True\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"
        topic = make_topic(wendy, support_category(), title="My moka pot leaks", body=body)
        discussions.create_reply(giulia, topic, "We ship a new gasket for free.", official=True)
        make_reply(topic, make_established_user("marco"), body="Same here, @wendy. A reply with a quote.")
        pinned = make_topic(make_established_user("olga"), general_category(), title="Welcome, read this first")
        pinned.is_pinned = True
        pinned.is_locked = True
        set_setting("first_posts_need_approval", 1)
        db.session.commit()
        make_reply(topic, make_user("nico"), body="A first post, held for the moderators.")
        event = make_event(make_user("organiser", role="moderator"))
    return {"topic": f"/t/{topic.slug}/{topic.id}", "event": f"/events/{event.id}/{event.slug}"}


PAGES = {
    "visitor": ["/", "/latest", "/c/support", "{topic}", "/search?q=gasket", "/events", "{event}", "/u/wendy",
                "/register", "/login", "/code-of-conduct"],
    "member": ["/", "/latest", "/new", "/unread", "/c/support", "{topic}", "/new-topic", "/search?q=gasket",
               "/u/wendy", "/settings", "/notifications", "/events", "{event}"],
    "moderator": ["/review", "{topic}", "/u/nico", "/latest"],
    "admin": ["/admin", "/review", "{topic}", "/admin/brand"],
}
ACCOUNTS = {"visitor": None, "member": "wendy", "moderator": "mona", "admin": "ada"}


def violations(page: Any, axe_source: str) -> list[dict[str, Any]]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_source)  # through the devtools protocol: the page's CSP is untouched
    found = page.evaluate("""async () => {
      const result = await axe.run(document, {resultTypes: ['violations']});
      return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' -> ' + (n.failureSummary || ''))}));
    }""")
    return [v for v in found if v["impact"] in FAILING_IMPACTS]


@pytest.mark.parametrize("role", list(PAGES))
def test_main_pages_have_no_serious_accessibility_violation(browser, live_server, world, axe_source, role):
    problems: list[str] = []
    for scheme in ("light", "dark"):
        context = browser.new_context(base_url=live_server.url, locale="en-GB", timezone_id="Europe/Rome",
                                      color_scheme=scheme, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(10_000)
        page = context.new_page()
        if ACCOUNTS[role]:
            login(page, ACCOUNTS[role])
        for url in PAGES[role]:
            response = page.goto(url.format(**world))
            assert response is not None and response.status == 200, (role, url, response and response.status)
            for v in violations(page, axe_source):
                problems.append(f"{role} {scheme} {url}: {v['id']} ({v['impact']}) {v['help']}\n    "
                                + "\n    ".join(v["nodes"]))
        context.close()
    assert not problems, "\n".join(problems)


def test_axe_finds_a_planted_violation(browser, live_server, world, axe_source):
    """The check can fail: text that does not contrast is reported."""
    page = browser.new_context(base_url=live_server.url).new_page()
    page.goto("/")
    page.evaluate("document.querySelector('main h1').style.color = '#c8cbd0'")  # about 1.5:1 on the page
    found = violations(page, axe_source)
    assert any(v["id"] == "color-contrast" for v in found), json.dumps(found)[:500]
