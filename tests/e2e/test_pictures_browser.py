"""Pictures in a real browser (issue 13): a member crops their avatar with the keyboard and sees
it in the header and beside their posts; an admin gives the brand a logo and a favicon."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.factories import make_established_user as make_user
from tests.factories import make_reply, make_topic
from tests.uploads import image_samples as samples

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": False}


def colour_at(body: bytes, x: float, y: float) -> tuple[int, int, int]:
    picture = Image.open(io.BytesIO(body)).convert("RGB")
    return picture.getpixel((int(x * picture.width), int(y * picture.height)))  # type: ignore[return-value]


def test_a_member_crops_a_turned_phone_photo_with_the_keyboard(page, live_server):
    anna = make_user("anna")
    topic = make_topic(anna, title="My first topic with a face")
    make_reply(topic, anna, "And a reply of mine.")
    login(page, "anna")
    page.goto("/settings/avatar")
    # Stored 400x300 with orientation 6: upright it is 300x400, blue top-left, red top-right,
    # yellow bottom-left, green bottom-right (the quadrants turned a quarter clockwise).
    page.set_input_files("input[name=avatar]", files=[{"name": "me.jpg", "mimeType": "image/jpeg",
                                                       "buffer": samples.phone_jpeg(400, 300, orientation=6)}])
    square = page.locator(".avatar-crop-box")
    expect(square).to_be_visible()
    square.focus()
    page.keyboard.press("-")  # smaller than the whole width...
    for _ in range(30):
        page.keyboard.press("-")
    for _ in range(40):
        page.keyboard.press("Shift+ArrowDown")  # ...moved to the bottom of the picture
    side = int(page.input_value("input[name=crop_side]"))
    assert side < 300 and int(page.input_value("input[name=crop_top]")) == 400 - side
    page.click("form.avatar-form button.primary")
    page.wait_for_url(re.compile(r".*/settings/avatar$|.*/settings.*"))
    header = page.locator("header img.avatar").first
    expect(header).to_be_visible()
    served = page.request.get(header.get_attribute("src"))
    red, green, blue = colour_at(served.body(), 0.1, 0.9)  # the crop is the bottom of the upright photo
    assert red > 200 and green > 200 and blue < 80, (red, green, blue)  # yellow: bottom-left upright
    page.goto(f"/t/{topic.slug}/{topic.id}")
    expect(page.locator("article.post .post-side img.avatar")).to_have_count(2)
    assert not page.js_errors


def test_an_admin_gives_the_brand_a_logo_and_a_favicon(page, live_server):
    make_user("boss", role="admin")
    login(page, "boss")
    page.goto("/admin/brand")
    page.set_input_files("input[name=logo]", files=[{"name": "logo.png", "mimeType": "image/png",
                                                     "buffer": samples.transparent_png(240, 80)}])
    page.set_input_files("input[name=favicon]", files=[{"name": "icon.png", "mimeType": "image/png",
                                                        "buffer": samples.photo_png(256, 256)}])
    page.click("form.stack button.primary")
    expect(page.locator(".brand-image-current img")).to_have_count(2)
    logo = page.locator("header img.brand-logo")
    expect(logo).to_be_visible()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=logo.element_handle())
    icon = page.locator("link[rel=icon]").get_attribute("href")
    answer = page.request.get(icon)
    assert answer.status == 200 and answer.headers["content-type"] == "image/x-icon"
    assert {size for size in Image.open(io.BytesIO(answer.body())).info["sizes"]} >= {(16, 16), (32, 32)}
    assert not page.js_errors
