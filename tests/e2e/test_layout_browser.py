"""What a reader sees on a phone and on a desktop: wide posts stay in their column, every main
page fits 375 px, the header is one short row for every role and language, counts in lists
say what they count, and icons are drawn as SVG (not emoji, which need a font)."""

from __future__ import annotations

import re
import struct
import zlib
from typing import Any

import pytest
from flask import Response
from playwright.sync_api import expect

from forum.discussions.models import Topic
from forum.extensions import db
from tests.e2e.conftest import login
from tests.factories import (
    general_category,
    hold_new_members,
    make_established_user,
    make_event,
    make_reply,
    make_topic,
    make_user,
)

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 800}
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 3


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SEARCH_BACKEND": "whoosh"}  # the search page shows the wide post's excerpt


def wide_png(width: int = 1600, height: int = 40) -> bytes:
    """A real PNG wider than any phone (and than the desktop column)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def wide_body(image_url: str) -> str:
    table = ("| " + " | ".join(f"Column {i}" for i in range(7)) + " |\n|" + "---|" * 7 + "\n| "
             + " | ".join(f"value number {i}" for i in range(7)) + " |")
    return (f"Wide content zanzibarword {LONG_WORD}\n\n```\nx = '" + "a" * 150 + "'\n```\n\n" + table
            + "\n\nhttps://example.com/" + "a-very-long-path-segment-" * 8 + f"\n\n![wide]({image_url})\n")


def new_page(browser: Any, live_server: Any, viewport: dict[str, int], locale: str = "en-GB", **kw: Any) -> Any:
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id="Europe/Rome",
                                  viewport=viewport, **kw)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def assert_fits(page: Any) -> None:
    width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner, f"{page.url} is {width} px wide in a {inner} px window"


def assert_scrolls_inside(page: Any, selector: str) -> None:
    """The box is wider inside than it shows (so it scrolls) and stays in the viewport."""
    box = page.locator(selector).first
    expect(box).to_be_visible()
    inner, shown, right = box.evaluate("e => [e.scrollWidth, e.clientWidth, e.getBoundingClientRect().right]")
    assert inner > shown, f"{selector} is not scrolling: {inner} <= {shown}"
    assert right <= page.viewport_size["width"]


def assert_image_fits(page: Any, scope: str) -> None:
    image = page.locator(f"{scope} img[alt=wide]").first
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    width, column = image.evaluate("img => [img.getBoundingClientRect().width, img.parentElement.clientWidth]")
    assert 0 < width <= column


def test_wide_posts_scroll_inside_their_column_on_a_phone(browser, live_server, app):
    live_server.app.add_url_rule("/test-wide.png", "test_wide_png",
                                 lambda: Response(wide_png(), mimetype="image/png"))
    image = f"{live_server.url}/test-wide.png"
    make_established_user("wendy")
    make_user("mona", role="moderator")

    # A member writes the wide post on a phone: the preview, then the topic, fit the screen.
    page = new_page(browser, live_server, PHONE)
    login(page, "wendy")
    page.goto("/new-topic")
    page.select_option("select[name=category]", label="General")
    page.fill("input[name=title]", "Wide things on phones")
    page.fill("textarea[name=body]", wide_body(image))
    page.click("button[name=preview]")
    expect(page.locator(".preview-block pre")).to_be_visible()
    assert_fits(page)
    assert_scrolls_inside(page, ".preview-block pre")
    page.click("#topic-form button[type=submit]:not([name])")
    page.wait_for_url(re.compile(r".*/t/wide-things-on-phones/\d+"))
    assert_fits(page)
    assert_scrolls_inside(page, "#p1 .cooked pre")
    assert_scrolls_inside(page, "#p1 .cooked table")
    assert_image_fits(page, "#p1")
    # The long word and URL wrap inside the post.
    assert page.locator("#p1 .cooked").evaluate("e => e.scrollWidth <= e.clientWidth")
    # The reply box's live preview (script).
    page.fill("#reply textarea[name=body]", wide_body(image))
    page.click("#reply .js-preview")
    expect(page.locator("#reply .preview pre")).to_be_visible()
    assert_fits(page)

    visitor = new_page(browser, live_server, PHONE)
    visitor.goto("/search?q=zanzibarword")
    expect(visitor.locator(".search-hit").first).to_be_visible()
    assert_fits(visitor)

    # A newcomer's wide reply waits in the review queue, which fits too.
    hold_new_members(1)
    topic_id = int(re.search(r"/t/[^/]+/(\d+)", page.url).group(1))
    make_reply(db.session.get(Topic, topic_id), make_user("nico"), body=wide_body(image))
    moderator = new_page(browser, live_server, PHONE)
    login(moderator, "mona")
    moderator.goto("/review")
    expect(moderator.locator(".review-item pre").first).to_be_visible()
    assert_fits(moderator)
    assert_scrolls_inside(moderator, ".review-item pre")


ROLE_PAGES = {
    "visitor": ["/", "/latest", "/c/general", "{topic}", "/search?q=grinder", "/events", "{event}", "/register",
                "/login", "/code-of-conduct", "/u/wendy", "/password/reset"],
    "member": ["/", "/new-topic", "/settings", "/notifications", "/u/wendy", "{topic}", "/events"],
    "moderator": ["/review", "/review?kind=post", "{topic}", "/u/wendy"],
    "admin": ["/admin", "/admin/brand", "/admin/categories", "/admin/plugins", "/admin/code-of-conduct"],
}


def test_every_main_page_fits_a_phone_for_every_role(browser, live_server, app):
    author = make_established_user("wendy")
    topic = make_topic(author, general_category(), title="Grinder settings for a moka pot with a rather long title")
    make_reply(topic, make_user("nico"), body="Medium-fine, like table salt.")
    event = make_event(make_user("organiser", role="moderator"))
    make_user("mona", role="moderator")
    make_user("ada", role="admin")
    values = {"topic": f"/t/{topic.slug}/{topic.id}", "event": f"/events/{event.id}/{event.slug}"}
    accounts = {"visitor": None, "member": "wendy", "moderator": "mona", "admin": "ada"}
    for role, urls in ROLE_PAGES.items():
        page = new_page(browser, live_server, PHONE)
        if accounts[role]:
            login(page, accounts[role])
        for url in urls:
            response = page.goto(url.format(**values))
            assert response is not None and response.status < 400, (role, url, response and response.status)
            assert_fits(page)
        page.context.close()


def header_facts(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => {
      const header = document.querySelector('.site-header'), row = header.querySelector('.header-row');
      const r = row.getBoundingClientRect();
      const items = [...row.querySelectorAll(':scope > *, .user-nav > *')].filter(e => e.getClientRects().length);
      const outside = items.filter(e => { const b = e.getBoundingClientRect();
        return b.top < r.top - 1 || b.bottom > r.bottom + 1 || b.right > r.right + 1; })
        .map(e => e.className || e.tagName);
      return {height: header.getBoundingClientRect().height, overflow: row.scrollWidth - row.clientWidth,
              outside, items: items.length};
    }""")


@pytest.mark.parametrize("role", ["visitor", "member", "moderator", "admin"])
def test_the_header_is_one_short_row_at_every_width_in_every_language(browser, live_server, app, role):
    make_user("wendy", display_name="Wendy Featherstonehaugh-Smythe")
    make_user("mona", role="moderator", display_name="Mona Moderatrice")
    make_user("ada", role="admin", display_name="Ada Amministratrice")
    hold_new_members(1)
    topic = make_topic(make_established_user("host"), general_category(), title="A topic")
    make_reply(topic, make_user("nico"), body="Held, so the review queue has a count.")
    account = {"visitor": None, "member": "wendy", "moderator": "mona", "admin": "ada"}[role]
    for locale in ("en-GB", "fr-FR", "it-IT"):
        page = new_page(browser, live_server, DESKTOP, locale=locale)
        if account:
            login(page, account)
        page.goto("/latest")
        for viewport in (DESKTOP, PHONE):
            page.set_viewport_size(viewport)
            facts = header_facts(page)
            where = (role, locale, viewport["width"])
            assert facts["height"] <= 64, (where, facts)  # was 160-193 px at 375 px, 91 at 1280 px
            assert facts["overflow"] <= 0 and not facts["outside"], (where, facts)
        # Wide: the primary links and the search box are in the row; narrow: in the menu.
        page.set_viewport_size(DESKTOP)
        expect(page.locator(".main-nav")).to_be_visible()
        expect(page.locator(".search-box input")).to_be_visible()
        page.set_viewport_size(PHONE)
        expect(page.locator(".main-nav")).to_be_hidden()
        expect(page.locator(".search-link")).to_be_visible()
        page.click(".user-menu > summary")
        expect(page.locator(".menu-primary a")).to_have_count(4)  # categories, latest, events, members
        expect(page.locator(".menu-primary a").first).to_be_visible()
        if account:
            expect(page.locator(".menu-account button[type=submit]")).to_be_visible()  # log out
        else:  # on a phone "Log in" moves into the menu; "Join" stays in the row
            expect(page.locator(".menu-login a")).to_be_visible()
            expect(page.locator("a.join-link")).to_be_visible()
        page.context.close()


def test_the_menu_opens_without_javascript(browser, live_server, app):
    make_user("wendy")
    page = new_page(browser, live_server, PHONE, java_script_enabled=False)
    login(page, "wendy")
    page.click(".user-menu > summary")
    page.click(".menu-primary a[href='/latest']")
    page.wait_for_url(re.compile(r".*/latest$"))
    page.click(".user-menu > summary")
    page.click(".menu-account button[type=submit]")  # log out
    expect(page.locator("a.join-link")).to_be_visible()


def test_the_menu_closes_like_a_menu_with_javascript(browser, live_server, app):
    make_user("wendy")
    page = new_page(browser, live_server, DESKTOP)
    login(page, "wendy")
    menu = page.locator("details.user-menu")
    page.click(".user-menu > summary")
    expect(menu).to_have_attribute("open", "")
    page.keyboard.press("Escape")
    expect(menu).not_to_have_attribute("open", "")
    expect(page.locator(".user-menu > summary")).to_be_focused()
    page.click(".user-menu > summary")
    page.click("main h1")
    expect(menu).not_to_have_attribute("open", "")
    assert page.js_errors == []


def test_counts_in_lists_say_what_they_count_on_a_phone(browser, live_server, app):
    topic = make_topic(make_established_user("wendy"), general_category(), title="Counting replies")
    for n in range(3):
        make_reply(topic, make_user(f"replier{n}"), body=f"Reply number {n}.")
    page = new_page(browser, live_server, PHONE, locale="it-IT")
    page.goto("/latest")
    count = page.locator("tr", has_text="Counting replies").locator("td.num")
    expect(count).to_have_text(re.compile(r"^\s*3 risposte\s*$"), use_inner_text=True)
    expect(count.locator("svg.icon")).to_be_visible()
    expect(count).to_match_aria_snapshot('- cell "3 risposte"')
    page.goto("/")
    general = page.locator("tr", has_text="General").locator("td.num")
    expect(general.nth(0)).to_have_text(re.compile(r"^\s*\d+ discussion[ei]\s*$"), use_inner_text=True)
    expect(general.nth(1)).to_have_text(re.compile(r"^\s*\d+ messagg(io|i)\s*$"), use_inner_text=True)
    # On a desktop the column header says it: the cell shows the bare number, still read in full.
    page.set_viewport_size(DESKTOP)
    page.goto("/latest")
    cell = page.locator("tr", has_text="Counting replies").locator("td.num")
    expect(cell.locator(".stat-short")).to_have_text("3")
    expect(cell.locator(".stat-short")).to_be_visible()
    expect(cell.locator("svg.icon")).to_be_hidden()
    assert cell.locator(".stat-full").evaluate("e => e.getBoundingClientRect().width") <= 1
    expect(cell).to_match_aria_snapshot('- cell "3 risposte"')


def test_icons_are_drawn_as_svg_with_names(browser, live_server, app):
    topic = make_topic(make_established_user("wendy"), general_category(), title="Pinned news")
    topic.is_pinned = topic.is_locked = True
    db.session.commit()
    page = new_page(browser, live_server, DESKTOP)
    login(page, "wendy")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    bell = page.locator(".notif-link")
    expect(bell).to_have_accessible_name("Notifications")
    width = bell.locator("svg").evaluate("e => e.getBoundingClientRect().width")
    assert width >= 14
    for tag in (".topic-flags .tag.pin", ".topic-flags .tag.locked"):
        expect(page.locator(tag).locator("svg.icon")).to_be_visible()
    # No pictograph is left for an emoji font to draw in the page's chrome.
    chrome = page.evaluate("document.querySelector('.site-header').innerText + "
                           "document.querySelector('.topic-head').innerText")
    assert not re.search("[\u2300-\u23ff\u2600-\u27bf\U0001f000-\U0001faff]", chrome)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_bell_keeps_its_actions_in_view_on_a_phone(browser, live_server, app, scheme, tmp_path):
    from forum.moderation.services import notices as moderation_notices
    from forum.notifications import notify

    anna = make_user("anna", locale="it")
    for n in range(9):  # more than the panel can show: the list has to scroll
        notify(anna, moderation_notices.POST_APPROVED,
               {"title": f"La mia moka numero {n} non sale il caffè, cosa sbaglio?", "edited": False},
               url="/latest")
    db.session.commit()
    page = new_page(browser, live_server, PHONE, color_scheme=scheme)
    login(page, "anna")
    page.goto("/latest")
    page.click(".notif-menu > summary")
    expect(page.locator(".notif-menu-list li")).to_have_count(9)
    panel = page.locator(".notif-panel")
    items = page.locator(".notif-items")
    for action in (panel.get_by_role("link", name="Vedi tutte le notifiche"),
                   panel.get_by_role("button", name="Segna tutte come lette")):
        expect(action).to_be_visible()
        # What a finger presses there is the action itself, within the screen, with no scrolling.
        hit = action.evaluate("""e => { const r = e.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            return [e.contains(document.elementFromPoint(x, y)), r.bottom <= window.innerHeight] }""")
        assert hit == [True, True], f"{action} is hidden ({scheme})"
    assert items.evaluate("e => e.scrollHeight > e.clientHeight"), "the list should scroll"
    assert panel.evaluate("e => e.scrollHeight <= e.clientHeight"), "the panel itself should not scroll"
    items.evaluate("e => { e.scrollTop = e.scrollHeight; }")  # scrolled to the end, they stay put
    expect(panel.get_by_role("link", name="Vedi tutte le notifiche")).to_be_in_viewport()
    page.screenshot(path=str(tmp_path / f"bell-375-{scheme}.png"))
    assert_fits(page)
    assert page.js_errors == []
    page.context.close()
