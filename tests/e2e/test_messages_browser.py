"""Private conversations in Chromium (issue 16's "done when"): a member messages Customer Care with
an order number and a photo; a staff member takes it and answers signed for the team; the member
is told (in the app and by mail); nobody else reads it or its photo (another member, a moderator:
404), and search, feeds, the API and profiles show nothing of it; a participant flags a message and
the review queue shows that message only. Then an admin's break-glass reading, and staff moving a
public post to private and posting the summary back."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.messages import services as messages
from forum.messages.models import Conversation, ConversationMessage
from tests.e2e.conftest import login
from tests.factories import group_named, make_reply, make_staff, make_topic, make_user
from tests.factories import make_established_user as make_member
from tests.uploads import image_samples as samples

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

ORDER = "ORD-77341"


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SEARCH_BACKEND": "whoosh", "RATELIMIT_ENABLED": False}


def _open_customer_care() -> None:
    make_staff("carla", email="carla@example.com")
    messages.configure_inbox(make_user("root", role="admin"), group_named("Customer Care"), enabled=True,
                             description="Include your order number.")


def _context(browser: Any, live_server: Any, *, script: bool = True) -> Any:
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=script)
    context.set_default_timeout(10_000)
    return context


def _signed_in(browser: Any, live_server: Any, username: str, *, script: bool = True) -> Any:
    page = _context(browser, live_server, script=script).new_page()
    login(page, username)
    return page


def _status(page: Any, path: str) -> int:
    return page.request.get(path).status


def test_a_member_writes_to_customer_care_and_nobody_else_reads_it(browser, live_server):
    _open_customer_care()
    mara = make_member("mara", email="mara@example.com")
    make_member("terzo")
    make_user("mo", role="moderator")
    make_topic(mara, title="Kettle descaling tips", body="Vinegar works well for the kettle.")

    # The member writes to the team with the order number and a photo (the form's file field).
    member = _signed_in(browser, live_server, "mara", script=False)
    member.goto("/messages/new?group=Customer Care")
    member.fill("#message-form input[name=title]", "My kettle arrived broken")
    member.fill("#message-form textarea[name=body]", f"Order {ORDER}: the lid is cracked, photo attached.")
    member.set_input_files("#message-form input[type=file]", files=[
        {"name": "lid.jpg", "mimeType": "image/jpeg", "buffer": samples.phone_jpeg()}])
    member.click("#message-form button.primary")
    member.wait_for_url(re.compile(r".*/messages/\d+"))
    db.session.expire_all()
    conversation = db.session.scalar(select(Conversation))
    first = db.session.scalar(select(ConversationMessage).where(ConversationMessage.conversation_id
                                                                == conversation.id))
    photo = re.search(r'src="(/uploads/[^"]+)"', first.cooked)
    assert photo is not None, first.cooked
    url = f"/messages/{conversation.id}"

    # A staff member of the team takes it and answers, signed for the team.
    staff = _signed_in(browser, live_server, "carla")
    staff.goto(url)
    staff.click("button:has-text('Take it')")
    expect(staff.locator("body")).to_contain_text("Taken by")
    staff.fill("#reply-form textarea[name=body]", "Sorry about that! A new lid is on its way.")
    staff.click("#reply-form button.primary")
    expect(staff.locator("article.message").last).to_contain_text("Reply from Customer Care")

    # The member is told: in the app and by mail.
    member.goto("/notifications")
    expect(member.locator("main")).to_contain_text("My kettle arrived broken")
    assert any(m.to == "mara@example.com" for m in live_server.outbox)
    assert _status(member, photo.group(1)) == 200

    # Another member and a moderator: 404 on the conversation and on its photo.
    for username in ("terzo", "mo"):
        other = _signed_in(browser, live_server, username)
        assert _status(other, url) == 404
        assert _status(other, photo.group(1)) == 404
        other.context.close()

    # Search, feeds, the API and profiles show nothing of it (and search does work).
    visitor = _context(browser, live_server).new_page()
    visitor.goto("/search?q=vinegar")
    expect(visitor.locator("main")).to_contain_text("Kettle descaling tips")
    for path in (f"/search?q={ORDER}", "/search?q=cracked", "/latest.rss", f"/api/v1/search?q={ORDER}",
                 "/api/v1/search?q=cracked", "/api/v1/topics", "/u/mara", "/u/carla"):
        for reader in (visitor, member):
            body = reader.request.get(path).text()
            if "q=" in path:  # a search repeats its query (title, box): the message's words must be nowhere
                body = body.replace(ORDER, "")
            assert ORDER not in body and "lid is cracked" not in body and "My kettle arrived broken" not in body, path

    # The member flags a message; the review queue shows that one (and what it answers) only.
    member.goto(url)
    member.fill("textarea[name=body]", "This is useless, you are all incompetent.")
    member.click("button.primary:has-text('Send')")
    staff.goto(url)
    staff.locator("article.message", has_text="incompetent").locator("a:has-text('Flag')").click()
    staff.check("input[name=reason][value=rude]")
    staff.click("button:has-text('Send to the moderators')")
    expect(staff.locator("body")).to_contain_text("the moderators will look at this message")
    moderator = _signed_in(browser, live_server, "mo")
    moderator.goto("/review?kind=message")
    queue = moderator.locator("main")
    expect(queue).to_contain_text("incompetent")
    html = moderator.content()
    assert ORDER not in html and "My kettle arrived broken" not in html and url not in html
    moderator.click("article.review-item summary:has-text('Reject')")
    moderator.fill("article.review-item textarea[name=text]", "Insults are not allowed.")
    moderator.click("article.review-item form button.danger:has-text('Reject')")
    member.goto(url)
    expect(member.locator("body")).to_contain_text("Message removed")
    expect(member.locator("body")).not_to_contain_text("incompetent")


def test_break_glass_and_moving_a_post_to_private(browser, live_server):
    _open_customer_care()
    mara = make_member("mara", email="mara@example.com")
    bob = make_member("bob")
    private = messages.start_conversation(mara, "Saturday plans", "Meet me at Via Verdi 9 at noon.",
                                          to_users=[bob])

    # An admin: 404 without reading it on purpose; with a reason, read-only, and the participants told.
    admin = _signed_in(browser, live_server, "root")
    assert _status(admin, f"/messages/{private.id}") == 404
    admin.goto(f"/messages/{private.id}/break-glass")
    expect(admin.locator("main")).to_contain_text("participants will be told")
    admin.fill("textarea[name=reason]", "Reported harassment, checking the whole thread.")
    admin.click("button.danger")
    expect(admin.locator("main")).to_contain_text("Via Verdi 9")
    expect(admin.locator("textarea")).to_have_count(0)
    member = _signed_in(browser, live_server, "mara")
    member.goto(f"/messages/{private.id}")
    expect(member.locator("main")).to_contain_text("Reported harassment, checking the whole thread.")

    # Staff continue a public reply in private; the topic keeps a note, not the order number.
    topic = make_topic(mara, title="Blender not working", body="My blender stopped working today.")
    make_reply(topic, mara, "The order was 55-1234, shipped to Via Roma 3.")
    staff = _signed_in(browser, live_server, "carla")
    staff.goto(f"/t/{topic.slug}/{topic.id}")
    staff.locator("article.post", has_text="55-1234").locator("a:has-text('Continue in private')").click()
    expect(staff.locator("textarea[name=message]")).to_contain_text("order number")
    staff.click("button.primary:has-text('Continue in private')")
    staff.wait_for_url(re.compile(r".*/messages/\d+"))
    moved = staff.url
    visitor = _context(browser, live_server).new_page()
    visitor.goto(f"/t/{topic.slug}/{topic.id}")
    expect(visitor.locator("main")).to_contain_text("continued in private with Customer Care")
    expect(visitor.locator("main")).not_to_contain_text("55-1234")
    member.goto("/notifications")
    expect(member.locator("main")).to_contain_text("sent you a private message")
    member.goto(moved)
    expect(member.locator("main")).to_contain_text("55-1234")

    # Solved: the summary goes back to the topic, publicly, and says nothing private.
    staff.click("a:has-text('Post a public summary')")
    staff.fill("textarea[name=body]", "Solved in private: a replacement blender is on its way.")
    staff.click("button.primary")
    visitor.goto(f"/t/{topic.slug}/{topic.id}")
    expect(visitor.locator("main")).to_contain_text("a replacement blender is on its way")
    expect(visitor.locator("main")).not_to_contain_text("55-1234")


@pytest.mark.parametrize("script", [True, False], ids=["script", "no-script"])
def test_opening_a_conversation_clears_the_envelope(browser, live_server, script):
    """Reading is a POST: the script sends it when the page shows and the envelope clears at once;
    without script, the Mark as read button does it."""
    mara, bruno = make_member("mara"), make_member("bruno")
    conversation = messages.start_conversation(mara, "Saturday's meetup", "Are you coming on Saturday?",
                                               to_users=[bruno])
    page = _signed_in(browser, live_server, "bruno", script=script)
    page.goto("/latest")
    expect(page.locator(".messages-link .count")).to_have_text("1")
    page.goto(f"/messages/{conversation.id}")
    if script:
        expect(page.locator(".messages-link .count")).to_have_count(0)
        expect(page.locator(".messages-link")).to_have_attribute("aria-label", "Messages")
    else:
        expect(page.locator(".messages-link .count")).to_have_text("1")
        page.get_by_role("button", name="Mark as read").click()
        expect(page).to_have_url(re.compile(rf"/messages/{conversation.id}$"))
        expect(page.locator(".messages-link .count")).to_have_count(0)
    page.goto("/latest")
    expect(page.locator(".messages-link .count")).to_have_count(0)
    page.context.close()
