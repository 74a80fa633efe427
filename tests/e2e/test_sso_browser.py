"""A new person signs in with the brand's provider in a real browser, completes the account and posts.

The provider is Node's oidc-provider on loopback (tests/sso/oidc_provider.mjs), reached by the
served forum through Authlib over real HTTP; nothing is mocked.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.accounts.models import User
from forum.extensions import db
from forum.sso.models import ExternalIdentity
from tests.e2e.conftest import LiveServer
from tests.sso.provider import OidcProvider, account, free_port, provider_config, running_provider

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

OIDC_PORT = free_port()


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"OIDC_PROVIDERS": [provider_config(f"http://127.0.0.1:{OIDC_PORT}")]}


@pytest.fixture
def oidc_live(live_server: LiveServer, tmp_path: Path) -> Iterator[OidcProvider]:
    accounts = {"sofia": account("sofia", name="Sofia Rossi", preferred_username="sofia.r", locale="en")}
    with running_provider(tmp_path, redirect_bases=[live_server.url], accounts=accounts,
                          port=OIDC_PORT) as provider:
        yield provider


def test_a_new_person_signs_in_with_the_brand_completes_the_account_and_posts(page, live_server, oidc_live):
    page.goto("/login")
    page.click("button:has-text('Sign in with Brand ID')")

    # At the provider (its own sign-in page).
    page.wait_for_url(re.compile(rf"{re.escape(oidc_live.issuer)}/interaction/.*"))
    page.fill("input[name=login]", "sofia")
    page.fill("input[name=password]", "whatever the provider asks")
    page.click("button[type=submit]")

    # Back here: the account is completed before anything is written.
    page.wait_for_url(re.compile(r".*/sso/brand/complete$"))
    expect(page.locator("#complete-title")).to_have_text("Complete your account")
    assert page.input_value("input[name=username]") == "sofia.r"  # from the claims, editable
    assert page.input_value("input[name=display_name]") == "Sofia Rossi"
    expect(page.locator(".coc-body")).to_be_visible()
    page.fill("input[name=username]", "sofia_rossi")
    page.click("#complete-form button[type=submit]")  # the code of conduct is not accepted yet
    expect(page.locator(".error").filter(has_text="accept the code of conduct")).to_be_visible()
    assert page.input_value("input[name=username]") == "sofia_rossi"  # nothing typed is lost
    page.check("input[name=accept_coc]")
    page.click("#complete-form button[type=submit]")
    expect(page.locator(".flash").filter(has_text="Welcome")).to_be_visible()

    user = db.session.scalar(select(User).where(User.username == "sofia_rossi"))
    assert user is not None and user.is_verified and user.accepted_coc_version > 0
    assert db.session.scalar(select(ExternalIdentity.subject).where(ExternalIdentity.user_id == user.id)) == "sofia"
    assert live_server.outbox == []  # the provider vouched for the address: no confirmation mail

    page.goto("/new-topic")
    page.select_option("select[name=category]", label="General")
    page.fill("input[name=title]", "Hello from the brand's sign-in")
    page.fill("textarea[name=body]", "Signed in with my **work** account.")
    page.wait_for_timeout(3100)  # spam_guard refuses a new member's form sent faster than a person types
    page.click("button:has-text('Create topic')")
    page.wait_for_url(re.compile(r".*/t/hello-from-the-brand-s-sign-in/\d+"))
    assert page.locator("h1").inner_text() == "Hello from the brand's sign-in"
    assert page.locator(".post .cooked strong").first.inner_text() == "work"
    assert page.js_errors == []


def _sign_in_at_provider(page: Any, oidc: OidcProvider, login: str) -> None:
    page.wait_for_url(re.compile(rf"{re.escape(oidc.issuer)}/interaction/.*"))
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "whatever the provider asks")
    page.click("button[type=submit]")


def test_cancel_logout_reload_and_the_providers_sign_out_read_well(page, live_server, oidc_live):
    # Cancel at the provider: the page says so, not that the answer could not be checked.
    page.goto("/login")
    page.click("button:has-text('Sign in with Brand ID')")
    page.wait_for_url(re.compile(rf"{re.escape(oidc_live.issuer)}/interaction/.*"))
    page.click("text=Cancel")
    page.wait_for_url(re.compile(r".*/sso/brand/callback\?.*error=access_denied.*"))
    expect(page.locator("main, body").first).to_contain_text("You cancelled signing in with Brand ID.")
    expect(page.locator("body")).not_to_contain_text("could not be checked")

    # Sign in (a new account), then Back to the completed page: home, no stale message.
    page.goto("/login")
    expect(page.locator(".sso-or")).to_have_text("or")
    page.click("button:has-text('Sign in with Brand ID')")
    _sign_in_at_provider(page, oidc_live, "sofia")
    page.wait_for_url(re.compile(r".*/sso/brand/complete$"))
    page.check("input[name=accept_coc]")
    page.click("#complete-form button[type=submit]")
    expect(page.locator(".flash").filter(has_text="Welcome")).to_be_visible()
    page.go_back()
    page.wait_for_load_state()
    expect(page.locator("body")).not_to_contain_text("Please sign in with Brand ID again.")

    # Log out: a GET page that survives a reload.
    page.click("header .user-menu > summary")  # "Log out" sits in the header's menu
    page.click("header .user-menu button:has-text('Log out')")
    page.wait_for_url(re.compile(r".*/sso/signed-out$"))
    expect(page.locator("h1")).to_have_text("You are signed out")
    page.reload()
    expect(page.locator("h1")).to_have_text("You are signed out")
    expect(page.locator("body")).not_to_contain_text("This form has expired")

    # Also at the provider: back on the front page with a message and no state in the address.
    page.click("text=Also sign out of Brand ID")
    page.wait_for_url(re.compile(rf"{re.escape(oidc_live.issuer)}/.*"))
    page.click("button[value=yes]")
    page.wait_for_url(f"{live_server.url}/")
    assert "state=" not in page.url
    expect(page.locator(".flash").filter(has_text="You are signed out of Brand ID too.")).to_be_visible()
    assert page.js_errors == []
