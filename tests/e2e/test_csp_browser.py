"""The Content-Security-Policy holds in a real browser: every main page, as a visitor, a member
and a moderator, renders with no CSP violation in the console and with its script running."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import login
from tests.factories import general_category, make_event, make_topic, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def watch_csp(page: Any) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text else None)
    page.add_init_script("""document.addEventListener('securitypolicyviolation', e =>
        console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));""")
    return violations


def test_main_pages_show_no_csp_violation(browser, page, live_server, app):
    author = make_user("marco")
    topic = make_topic(author, general_category(), title="My moka leaks water")
    mona = make_user("mona", role="moderator")
    with app.test_request_context():
        event = make_event(mona, title="Tasting in Milan")
    violations = watch_csp(page)
    visitor_pages = ["/", "/login", "/register", "/password/reset", f"/t/{topic.slug}/{topic.id}",
                     "/search?q=moka", "/events", f"/events/{event.id}/{event.slug}", f"/u/{author.username}",
                     "/code-of-conduct"]
    for url in visitor_pages:
        page.goto(url)
    login(page, "marco")
    for url in ["/", "/new-topic", f"/t/{topic.slug}/{topic.id}", "/settings", "/notifications",
                "/events/new"]:
        page.goto(url)
    # Our script runs under the policy: forum.js fetches the reply's preview and shows it.
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.fill("#reply textarea[name=body]", "Previewed **under the policy**")
    page.click("#reply .js-preview")
    page.locator("#reply .preview strong").wait_for()
    moderator = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    moderator_violations = watch_csp(moderator)
    login(moderator, "mona")
    for url in ["/review", "/moderation/bans", "/admin"]:
        moderator.goto(url)
    assert violations == [] and moderator_violations == [], violations + moderator_violations
    assert page.js_errors == []


def test_the_policy_really_blocks_an_injected_inline_script(page):
    # Guards the test above: the watcher sees violations, and inline script does not run.
    violations = watch_csp(page)
    page.goto("/login")
    page.evaluate("""() => { const s = document.createElement('script');
                             s.textContent = 'window.injected = true'; document.head.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("() => window.injected === undefined")
    assert any("script-src" in v for v in violations), violations
