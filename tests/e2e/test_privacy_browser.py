"""Members' data rights in Chromium: asking for a copy of one's data and downloading the ZIP from
the mailed link; deleting one's account from the mailed confirmation, and being signed out."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import login, mail_link
from tests.factories import make_established_user as make_user
from tests.factories import make_topic

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


def test_a_member_downloads_a_copy_of_their_data(page, live_server):
    member = make_user("giulia", email="giulia@example.com")
    make_topic(member, title="Il caffè del mattino")
    login(page, "giulia")
    page.goto("/settings")
    page.click("text=Get a copy of your data")
    page.click("button:has-text('Request a copy')")
    expect(page.locator("body")).to_contain_text("We are preparing your copy")
    link = mail_link(live_server.outbox, "/settings/your-data/download/")
    with page.expect_download() as download_info:
        page.evaluate("url => { window.location.href = url }", link)
    path = download_info.value.path()
    archive = zipfile.ZipFile(io.BytesIO(Path(path).read_bytes()))
    assert "README.txt" in archive.namelist()
    profile = json.loads(archive.read("profile.json"))
    assert profile[0]["email"] == "giulia@example.com"
    assert [p["topic_title"] for p in json.loads(archive.read("posts.json"))] == ["Il caffè del mattino"]


def test_a_member_deletes_their_account_and_is_signed_out(page, live_server):
    make_user("marc", email="marc@example.com")
    login(page, "marc")
    page.goto("/settings/delete-account")
    page.fill("input[name=password]", "correct horse battery")
    page.check("input[name=confirm]")
    page.click("button:has-text('Email me the confirmation link')")
    expect(page.locator("h1")).to_contain_text("Check your email")
    page.goto(mail_link(live_server.outbox, "/settings/delete-account/confirm/"))
    page.click("form button.danger")
    expect(page.locator("h1")).to_contain_text("Your account is closed")
    page.goto("/settings")
    assert "/login" in page.url  # signed out everywhere
    # Signing in again during the grace period offers to cancel.
    login(page, "marc")
    page.goto("/latest")
    expect(page.locator("h1")).to_contain_text("Your account is being deleted")
    page.click("button:has-text('Cancel the deletion')")
    expect(page.locator("body")).to_contain_text("Your account will not be deleted")
