"""Photos in a real browser (issue 13): a phone photo pasted into a reply shows upright in the
preview and the post, is served without any metadata, and becomes the topic's thumbnail in the
list; a visitor cannot fetch a staff-only or held photo; without script the form's file field
still adds the photo."""

from __future__ import annotations

import base64
import io
import re
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from forum.discussions import services as discussions
from forum.discussions.models import Post
from forum.extensions import db
from forum.uploads import services as uploads
from tests.factories import make_category, make_topic
from tests.factories import make_established_user as make_user
from tests.factories.accounts import make_user as make_new_user
from tests.factories.moderation import hold_new_members
from tests.uploads import image_samples as samples

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

# Stored landscape (red, green / blue, yellow quadrants) with EXIF orientation 6: a phone held upright.
PHONE_PHOTO = samples.phone_jpeg(640, 480, orientation=6)

PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, {type: "image/jpeg"}));
  const box = document.querySelector("#reply-form textarea[name=body]");
  box.focus();
  box.dispatchEvent(new ClipboardEvent("paste", {clipboardData: transfer, bubbles: true, cancelable: true}));
}"""

# The colour at a point of an image as the browser draws it (after any orientation it applies).
PIXEL = """([img, x, y]) => {
  const canvas = document.createElement("canvas");
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext("2d");
  context.drawImage(img, 0, 0);
  return Array.from(context.getImageData(x * img.naturalWidth, y * img.naturalHeight, 1, 1).data).slice(0, 3);
}"""


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": False}


def assert_upright(page: Any, image: Any) -> None:
    """Shown upright: portrait, and the stored bottom-left (blue) is now the top-left corner."""
    expect(image).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    width, height = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert (width, height) == (480, 640)
    red, green, blue = image.evaluate(PIXEL.replace("([img, x, y])", "(img)").replace("x *", "0.1 *")
                                      .replace("y *", "0.1 *"))
    assert blue > 200 and red < 60 and green < 60, (red, green, blue)


def test_a_pasted_phone_photo_is_upright_private_of_metadata_and_the_topics_thumbnail(browser, live_server):
    make_user("anna")
    topic = make_topic(make_user("opener"), make_category("Kettles", slug="kettles"),
                       title="My kettle leaks at the base", body="It started after the descaling.")
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto("/login")
    page.fill("input[name=login]", "anna")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.stack button[type=submit]")
    page.wait_for_url(re.compile(r".*/(?!login).*"))
    page.goto(f"/t/{topic.slug}/{topic.id}")
    box = page.locator("#reply-form textarea[name=body]")
    box.fill("Same here, this is mine:\n")
    page.evaluate(PASTE, [base64.b64encode(PHONE_PHOTO).decode(), "IMG_2034.jpg"])
    expect(box).to_have_value(re.compile(r"!\[IMG_2034\]\(upload://[0-9a-f]{32}\)"))
    assert "Uploading" not in box.input_value()

    page.click("#reply-form .js-preview")
    assert_upright(page, page.locator("#reply-form .preview img"))

    page.click("#reply-form button.primary")
    page.wait_for_url(re.compile(r".*/t/.*"))
    posted = page.locator("article.post .cooked img[src^='/uploads/']").last
    assert_upright(page, posted)

    served = context.request.get(posted.get_attribute("src"))
    assert served.status == 200
    body = served.body()
    assert not Image.open(io.BytesIO(body)).getexif()
    for secret in (b"Exif", b"GPS", samples.PHONE_MAKE.encode(), samples.PHONE_COMMENT, b"xmpmeta"):
        assert secret not in body

    page.goto("/c/kettles")
    thumbnail = page.locator(f"tr[data-topic-id='{topic.id}'] img.topic-thumbnail")
    expect(thumbnail).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle())
    assert not errors
    context.close()


def test_a_visitor_cannot_fetch_a_staff_only_or_held_photo(browser, live_server):
    boss = make_user("boss", role="admin")
    staff_room = make_category("Staff room", slug="staff-room", read_access="staff")
    secret = uploads.accept_upload(boss, "plan.jpg", samples.phone_jpeg()).upload
    discussions.create_topic(boss, staff_room, "Launch plan with photos", uploads.markdown_for(secret))
    topic = make_topic(make_user("opener"), make_category("Open", slug="open"), title="An open topic to reply")
    hold_new_members(1)
    newbie = make_new_user("newbie")
    held_photo = uploads.accept_upload(newbie, "mine.jpg", samples.phone_jpeg()).upload
    assert discussions.create_reply(newbie, topic, "Held with " + uploads.markdown_for(held_photo)).held

    visitor = browser.new_context(base_url=live_server.url)
    for photo in (secret, held_photo):
        for path in (uploads.file_path(photo), uploads.thumbnail_path(photo.token)):
            assert visitor.request.get(path).status == 404, path
    visitor.close()


def test_without_script_the_file_field_adds_the_photo_to_the_reply(browser, live_server):
    make_user("anna")
    topic = make_topic(make_user("opener"), make_category("Plain", slug="plain"), title="Replying without script")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=login]", "anna")
    page.fill("input[name=password]", "correct horse battery")
    page.click("form.stack button[type=submit]")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.fill("#reply-form textarea[name=body]", "Photo attached the old way")
    page.set_input_files("#reply-form input[type=file]", files=[
        {"name": "kettle.jpg", "mimeType": "image/jpeg", "buffer": PHONE_PHOTO}])
    page.click("#reply-form button.primary")
    page.wait_for_url(re.compile(r".*/t/.*"))
    db.session.expire_all()
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 2))
    assert post is not None and "/uploads/" in post.cooked
    image = page.locator("article.post .cooked img[src^='/uploads/']").last
    assert image.evaluate("img => img.complete && [img.naturalWidth, img.naturalHeight]") == [480, 640]
    context.close()
