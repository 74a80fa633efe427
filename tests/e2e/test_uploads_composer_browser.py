"""The composer's uploader in a real browser (static/js/uploads.js): what a member pastes, drops
and sends, and what they read when the server does not take a file.

Clipboard pastes and file drops are real (trusted) ones: the clipboard is written through the
browser's own API and pasted with Ctrl+V; files are dropped through Chrome's DevTools input
events, as the operating system would. Where a test holds or answers an upload itself
(``page.route``) only the server's answer is simulated; the script is the real one.
"""

from __future__ import annotations

import base64
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from forum.settings import set_setting
from tests.e2e.conftest import login
from tests.factories import make_category, make_topic
from tests.factories import make_established_user as make_user
from tests.uploads import image_samples as samples

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

PHOTO = samples.photo_png()
MB = 1024 * 1024
UPLOADED = re.compile(r"!\[[^\]]*\]\(upload://[0-9a-f]{32}\)")

# Puts text and/or a PNG on the clipboard through the browser's own clipboard API.
WRITE_CLIPBOARD = """async ([text, png]) => {
  const parts = {};
  if (text) { parts["text/plain"] = new Blob([text], {type: "text/plain"}); }
  if (png) { parts["image/png"] = new Blob([Uint8Array.from(atob(png), c => c.charCodeAt(0))], {type: "image/png"}); }
  await navigator.clipboard.write([new ClipboardItem(parts)]);
}"""


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": False}


def open_reply(page: Any) -> Any:
    """Anna on a topic with the reply box: the box."""
    make_user("anna")
    topic = make_topic(make_user("opener"), make_category("Kettles", slug="kettles"),
                       title="My kettle leaks at the base", body="It started after the descaling.")
    login(page, "anna")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    box = page.locator("#reply-form textarea[name=body]")
    expect(page.locator("#reply-form .composer-files.enhanced")).to_be_attached()
    return box


def png_file(name: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": PHOTO}


def uploads_sent(page: Any) -> list[Any]:
    """Every upload request the page sends, as Playwright sees it leave the browser."""
    sent: list[Any] = []
    page.on("request", lambda request: sent.append(request)
            if request.method == "POST" and request.url.endswith("/uploads") else None)
    return sent


def pump_until(page: Any, condition: Any, what: str) -> None:
    """Let the browser (and Playwright's route handlers) run until ``condition()`` holds."""
    deadline = time.monotonic() + 10
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        page.wait_for_timeout(20)


def drop_files(page: Any, paths: list[Path], x: float, y: float) -> None:
    """A trusted drop of files from outside the browser at (x, y) of the page."""
    session = page.context.new_cdp_session(page)
    data = {"items": [], "files": [str(p) for p in paths], "dragOperationsMask": 1}
    for kind in ("dragEnter", "dragOver", "drop"):
        session.send("Input.dispatchDragEvent", {"type": kind, "x": x, "y": y, "data": data})
    session.detach()


# Seen last (window, bubbling): whether the page's own script claimed each drag event over it.
OBSERVE_DRAGS = """() => {
  window.observedDrags = [];
  ["dragover", "drop"].forEach(type => window.addEventListener(type, event => {
    window.observedDrags.push(type + (event.defaultPrevented ? " claimed " + event.dataTransfer.dropEffect : " left"));
  }));
}"""


def centre(locator: Any) -> tuple[float, float]:
    """The middle of what ``locator`` shows, in the viewport (scrolled into it)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    assert box is not None
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_cells_copied_with_their_picture_paste_as_text_and_a_picture_alone_is_uploaded(
        page: Any, live_server: Any) -> None:
    box = open_reply(page)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    sent = uploads_sent(page)
    picture = base64.b64encode(PHOTO).decode()

    # A spreadsheet's cells: their text, and a picture of them.
    page.evaluate(WRITE_CLIPBOARD, ["Flow\t12 l/min\nPressure\t3 bar", picture])
    box.focus()
    page.keyboard.press("Control+V")
    expect(box).to_have_value("Flow\t12 l/min\nPressure\t3 bar")

    # A screenshot: nothing but the picture.
    box.fill("")
    page.evaluate(WRITE_CLIPBOARD, ["", picture])
    box.focus()
    page.keyboard.press("Control+V")
    expect(box).to_have_value(UPLOADED)
    assert len(sent) == 1
    assert not page.js_errors


def test_the_post_waits_for_its_files(page: Any, live_server: Any) -> None:
    box = open_reply(page)
    held: list[Any] = []

    def hold(route: Any) -> None:
        held.append(route)

    page.route("**/uploads", hold)
    box.fill("Here is the leak:\n")
    page.set_input_files("#reply-form .composer-files-input", files=[png_file("leak.png")])
    pump_until(page, lambda: len(held) == 1, "the upload")
    address = page.url

    page.click("#reply-form button.primary")
    status = page.locator("#reply-form .composer-files-status")
    expect(status).to_have_text("Please wait until your files are uploaded.")
    assert page.url == address
    expect(box).to_have_value(re.compile(r"\[Uploading leak\.png… #\d+\]"))

    held[0].continue_()
    expect(box).to_have_value(UPLOADED)
    expect(status).to_have_text("Your files are uploaded: you can send now.")  # the member knows to send again
    page.click("#reply-form button.primary")
    expect(page.locator("article.post .cooked img[src^='/uploads/']")).to_have_count(1)
    assert "Uploading" not in page.locator("article.post").last.inner_text()
    assert not page.js_errors


def test_a_file_over_the_members_limit_is_refused_without_sending_it(page: Any, live_server: Any) -> None:
    set_setting("uploads_max_file_mb", 1)
    box = open_reply(page)
    sent = uploads_sent(page)
    big = {"name": "holiday.jpg", "mimeType": "image/jpeg", "buffer": b"\xff\xd8\xff" + b"\0" * (3 * MB // 2 - 3)}
    page.set_input_files("#reply-form .composer-files-input", files=[big])
    expect(page.locator("#reply-form .upload-progress li.error")).to_have_text(
        "holiday.jpg was not uploaded: This image is 1.5 MB; the limit is 1 MB.")
    expect(box).to_have_value("")
    assert not sent
    assert not page.js_errors


def test_many_files_go_two_at_a_time(page: Any, live_server: Any) -> None:
    box = open_reply(page)
    held: list[Any] = []
    answered = 0
    most_at_once = 0

    def hold(route: Any) -> None:
        nonlocal most_at_once
        held.append(route)
        most_at_once = max(most_at_once, len(held) - answered)

    page.route("**/uploads", hold)
    names = [f"photo-{n}.png" for n in range(5)]
    page.set_input_files("#reply-form .composer-files-input", files=[png_file(name) for name in names])
    lines = page.locator("#reply-form .upload-progress li")
    pump_until(page, lambda: len(held) == 2, "the first two uploads")
    expect(lines.filter(has_text="Waiting to upload")).to_have_count(3)
    expect(lines.nth(2)).to_have_text("Waiting to upload photo-2.png…")

    # Answered one by one: each answer lets the next file go, never a third at once.
    while answered < len(names):
        answered += 1
        held[answered - 1].continue_()
        sent_by_now = min(answered + 2, len(names))
        pump_until(page, lambda sent_by_now=sent_by_now: len(held) == sent_by_now, "the next upload")
    expect(lines).to_have_count(0)
    assert len(UPLOADED.findall(box.input_value())) == 5
    assert most_at_once == 2
    assert not page.js_errors


ANSWERS = {
    "busy.png": (429, "<!doctype html><title>Too many requests</title>"),
    "stale.png": (400, "<!doctype html><title>This form has expired</title>"),
    "huge.png": (413, "<!doctype html><title>Request entity too large</title>"),
}


def test_what_the_member_reads_when_a_file_is_not_taken(page: Any, live_server: Any) -> None:
    box = open_reply(page)

    def answer(route: Any) -> None:
        sent = route.request.post_data_buffer or b""
        for name, (status, html) in ANSWERS.items():
            if f'filename="{name}"'.encode() in sent:
                route.fulfill(status=status, content_type="text/html; charset=utf-8", body=html)
                return
        if b'filename="offline.png"' in sent:
            route.abort("internetdisconnected")
            return
        route.continue_()  # the real server answers {error} for a kind of file it does not take

    page.route("**/uploads", answer)
    files = [png_file(name) for name in (*ANSWERS, "offline.png")]
    files.append({"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ" + b"\0" * 200})
    page.set_input_files("#reply-form .composer-files-input", files=files)
    errors = page.locator("#reply-form .upload-progress li.error")
    expect(errors).to_have_count(5)
    said = errors.all_inner_texts()
    assert said[:4] == [
        "busy.png was not uploaded: Too many uploads at once. Please wait a minute and try again.",
        "stale.png was not uploaded: This page has expired. Please reload it and try again.",
        "huge.png was not uploaded: This file is larger than the site accepts (8 MB).",
        "offline.png was not uploaded: The connection failed. Please try again.",
    ]
    assert said[4].startswith("setup.exe was not uploaded: ") and "connection" not in said[4], said[4]
    expect(box).to_have_value("")  # every placeholder is gone
    assert not page.js_errors


def test_a_file_dropped_beside_the_box_is_uploaded_and_one_dropped_elsewhere_changes_nothing(
        page: Any, live_server: Any, tmp_path: Path) -> None:
    box = open_reply(page)
    photo = tmp_path / "drop.png"
    photo.write_bytes(PHOTO)
    sent = uploads_sent(page)
    address = page.url

    drop_files(page, [photo], *centre(page.locator("#reply-form .composer-files .muted")))
    expect(box).to_have_value(UPLOADED)
    assert len(sent) == 1

    # Elsewhere the page claims the drag and answers "no drop here": a drag the page leaves alone
    # is the browser's, and a desktop browser opens the file in place of the page (and the text).
    page.evaluate(OBSERVE_DRAGS)
    drop_files(page, [photo], *centre(page.locator("h1").first))
    drags = page.evaluate("window.observedDrags")
    assert drags and set(drags) == {"dragover claimed none"}, drags
    assert page.url == address
    expect(box).to_have_value(UPLOADED)
    assert len(sent) == 1
    assert not page.js_errors
