"""Writing and reading a topic in a real browser (issue 11): quoting keeps the reply being typed,
drafts autosave on the server and come back on another device, hidden posts are marked where
they are, pinned topics lead /latest, and a silenced member is told before writing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from forum.discussions.models import Draft, Post, PostState, Topic
from forum.extensions import db
from tests.e2e.conftest import login
from tests.factories import make_category, make_reply, make_topic
from tests.factories import make_established_user as make_user
from tests.factories.accounts import make_member_in_state

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"RATELIMIT_ENABLED": False}


def new_page(browser: Any, live_server: Any, viewport: dict[str, int] | None = None, locale: str = "en-GB") -> Any:
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id="Europe/Rome",
                                  viewport=viewport or DESKTOP)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def no_sideways_scroll(page: Any) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def conversation() -> Topic:
    topic = make_topic(make_user("opener"), make_category("Espresso", slug="espresso"),
                       title="Dialling in a new grinder",
                       body="Start at 18 grams in and 36 out.\n\nThen taste and adjust the grind.")
    second = make_reply(topic, make_user("second"), "Pre-infusion helps with light roasts, in my experience.")
    second.language = "it"  # the body says which language screen readers should use
    db.session.commit()
    return topic


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_quotes_add_up_at_the_caret_without_a_reload(browser, live_server, app, viewport):
    """Before: Quote reloaded the page, the reply typed so far was replaced, the caret at 0."""
    topic = conversation()
    make_user("writer")
    page = new_page(browser, live_server, viewport)
    login(page, "writer")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    box = page.locator("#reply textarea[name=body]")
    box.click()
    box.type("My own first line.")
    page.evaluate("window.__samePage = true")  # a reload would forget it

    page.locator("#p1 a.js-quote").click()
    expect(box).to_have_value(re.compile(r'^My own first line\.\n\n\[quote="opener, post:1, topic:\d+"\]\n'
                                         r"Start at 18 grams.*\n\[/quote\]\n\n$", re.S))
    page.locator("#p2 a.js-quote").click()
    # Both quotes, in the order clicked, after the member's own line.
    expect(box).to_have_value(re.compile(r"^My own first line\.\n\n\[quote=[^\n]*post:1,.*\[quote=[^\n]*post:2,", re.S))
    value = box.input_value()
    assert value.startswith("My own first line.") and value.endswith("[/quote]\n\n")
    assert page.evaluate("window.__samePage") is True
    # The caret is after the last quote and the box has the focus: typing goes on from there.
    assert page.evaluate("document.activeElement.name") == "body"
    assert page.evaluate("document.activeElement.selectionStart") == len(value)
    page.keyboard.type("Thanks both!")
    assert box.input_value() == value + "Thanks both!"
    assert page.locator("#p2 .cooked").get_attribute("lang") == "it"
    no_sideways_scroll(page)
    assert page.js_errors == []


def test_quoting_a_selection_quotes_only_the_selected_words(page, live_server, app):
    topic = conversation()
    make_user("picker")
    login(page, "picker")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.evaluate("""() => {
        const text = document.querySelector('#p1 .cooked p').firstChild;
        const range = document.createRange();
        range.setStart(text, 'Start at '.length);
        range.setEnd(text, 'Start at 18 grams'.length);
        getSelection().removeAllRanges();
        getSelection().addRange(range);
    }""")
    page.locator("#p1 a.js-quote").click()
    box = page.locator("#reply textarea[name=body]")
    expect(box).to_have_value(re.compile(r'^\[quote="opener, post:1, topic:\d+"\]\n18 grams\n\[/quote\]\n\n$'))
    # With nothing selected, Quote takes the whole post.
    page.evaluate("getSelection().removeAllRanges()")
    page.locator("#p1 a.js-quote").click()
    expect(box).to_have_value(re.compile(r"18 grams\n\[/quote\]\n\n\[quote=.*Then taste and adjust the grind\.", re.S))
    assert page.js_errors == []


def test_without_javascript_quote_still_works(browser, live_server, app):
    topic = conversation()
    make_user("nojs")
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    login(page, "nojs")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.locator("#p2 a.js-quote").click()
    page.wait_for_url(re.compile(r".*\?quote=\d+#reply$"))
    assert page.locator("#reply textarea[name=body]").input_value().startswith('[quote="second, post:2,')
    context.close()


def test_a_quote_link_is_taken_out_of_the_address_once_the_quote_is_in_the_box(page, live_server, app):
    """Before: the ?quote= address stayed, so a reload after the autosave quoted the post twice."""
    topic = conversation()
    second = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 2))
    make_user("reloader")
    login(page, "reloader")
    page.goto(f"/t/{topic.slug}/{topic.id}?quote={second.id}#reply")
    expect(page).to_have_url(re.compile(rf"/t/{topic.slug}/{topic.id}#reply$"))
    box = page.locator("#reply textarea[name=body]")
    expect(page.locator("#reply [data-draft-status]")).to_have_text("Draft saved", timeout=8000)
    page.reload()
    assert box.input_value().count('[quote="second, post:2,') == 1
    assert page.js_errors == []


def test_the_reply_autosaves_and_comes_back_on_another_device_until_discarded(browser, live_server, app):
    topic = conversation()
    member = make_user("traveller")
    phone = new_page(browser, live_server, PHONE)
    login(phone, "traveller")
    phone.goto(f"/t/{topic.slug}/{topic.id}")
    phone.locator("#reply textarea[name=body]").type("Typed on the bus, finished at home.")
    status = phone.locator("#reply [data-draft-status]")
    expect(status).to_have_text("Draft saved", timeout=8000)
    assert status.get_attribute("role") == "status"
    expect(phone.locator("#reply form[data-draft-discard]")).to_be_visible()
    phone.context.close()  # the browser is gone: nothing was kept in it

    laptop = new_page(browser, live_server, DESKTOP, locale="it-IT")
    login(laptop, "traveller")
    laptop.goto(f"/t/{topic.slug}/{topic.id}")
    expect(laptop.locator("#reply textarea[name=body]")).to_have_value("Typed on the bus, finished at home.")
    expect(laptop.locator(".restored-draft")).to_be_visible()
    laptop.locator("#reply form[data-draft-discard] button").click()
    laptop.wait_for_load_state()
    expect(laptop.locator("#reply textarea[name=body]")).to_have_value("")
    assert db.session.scalar(select(Draft).where(Draft.user_id == member.id)) is None

    # Typing again and sending the reply: the draft goes with it.
    laptop.locator("#reply textarea[name=body]").type("Final answer: grind finer.")
    expect(laptop.locator("#reply [data-draft-status]")).to_have_text("Bozza salvata", timeout=8000)
    laptop.locator("#reply button[type=submit].primary").click()
    laptop.wait_for_url(re.compile(r".*#p3$"))
    db.session.expire_all()
    assert db.session.scalar(select(Draft).where(Draft.user_id == member.id)) is None
    laptop.goto(f"/t/{topic.slug}/{topic.id}")
    expect(laptop.locator("#reply textarea[name=body]")).to_have_value("")
    assert laptop.js_errors == []


def test_a_save_still_on_its_way_cannot_bring_back_the_draft_of_a_sent_reply(page, live_server, app):
    """The autosave is held in the network while the member sends the reply; if it reached the
    server after the reply, the sent text would come back as a draft. The composer waits for it."""
    topic = conversation()
    member = make_user("hasty")
    login(page, "hasty")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    held: list[Any] = []

    def hold(route: Any) -> None:  # a function: Playwright cannot wrap a bound builtin like held.append
        held.append(route)  # released below

    page.route(re.compile(r".*/drafts/reply/\d+$"), hold)
    page.locator("#reply textarea[name=body]").type("Sent before the save arrived.")
    for _ in range(50):
        if held:
            break
        page.wait_for_timeout(100)
    assert held, "no autosave was sent"
    page.locator("#reply button[type=submit].primary").click()
    page.wait_for_timeout(1000)  # the reply must not leave before the save is answered
    assert db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 3)) is None
    held[0].continue_()
    page.wait_for_url(re.compile(r".*#p3$"))
    db.session.expire_all()
    assert db.session.scalar(select(Draft).where(Draft.user_id == member.id)) is None
    assert "Sent before the save arrived." in page.locator("#p3 .cooked").inner_text()


def test_an_older_tab_cannot_overwrite_the_draft_of_a_newer_one(page, live_server, app):
    """Two tabs on one reply box: the one opened last holds the draft; the older one is told
    its words are not saved instead of silently replacing the newer text."""
    topic = conversation()
    member = make_user("twotabs")
    login(page, "twotabs")
    page.goto(f"/t/{topic.slug}/{topic.id}")
    newer = page.context.new_page()
    newer.goto(f"/t/{topic.slug}/{topic.id}")
    newer.locator("#reply textarea[name=body]").type("Written in the second tab.")
    expect(newer.locator("#reply [data-draft-status]")).to_have_text("Draft saved", timeout=8000)
    page.locator("#reply textarea[name=body]").type("Written in the first tab.")
    status = page.locator("#reply [data-draft-status]")
    expect(status).to_contain_text("This draft was not saved", timeout=8000)
    expect(status).to_have_class(re.compile(r"\berror\b"))
    db.session.expire_all()
    draft = db.session.scalar(select(Draft).where(Draft.user_id == member.id))
    assert draft is not None and draft.data["body"] == "Written in the second tab."
    assert page.locator("#reply textarea[name=body]").input_value() == "Written in the first tab."  # kept here


def test_the_new_topic_form_autosaves_and_restores(page, live_server, app):
    make_category("Roasting", slug="roasting")
    make_user("planner")
    login(page, "planner")
    page.goto("/new-topic")
    page.select_option("select[name=category]", label="Roasting")
    page.fill("input[name=title]", "Home roasting on a popcorn machine")
    page.locator("textarea[name=body]").type("Has anyone tried it?")
    expect(page.locator("[data-draft-status]")).to_have_text("Draft saved", timeout=8000)
    page.goto("/latest")
    page.goto("/new-topic")
    assert page.input_value("input[name=title]") == "Home roasting on a popcorn machine"
    assert page.input_value("textarea[name=body]") == "Has anyone tried it?"
    assert page.locator("select[name=category] option:checked").inner_text() == "Roasting"
    # A preview right after typing (before the next autosave) keeps the latest words in the draft.
    page.locator("textarea[name=body]").press("End")
    page.locator("textarea[name=body]").type(" Mine smokes a lot.")
    page.click("button[name=preview]")
    expect(page.locator(".preview-block")).to_contain_text("Mine smokes a lot.")
    page.goto("/latest")
    page.goto("/new-topic")
    assert page.input_value("textarea[name=body]") == "Has anyone tried it? Mine smokes a lot."
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_readers_see_where_a_post_is_hidden_and_its_permalink_lands_there(browser, live_server, app, viewport):
    topic = conversation()
    held = make_reply(topic, make_user("newbie"), "Waiting for a moderator.")
    db.session.execute(update(Post).where(Post.id == held.id).values(state=PostState.PENDING))
    db.session.commit()
    make_reply(topic, make_user("fourth"), "The fourth post is here.")
    page = new_page(browser, live_server, viewport)
    page.goto(f"/t/{topic.slug}/{topic.id}")
    numbers = page.locator(".posts > article.post .permalink").all_inner_texts()
    assert [n.split(" ")[0] for n in numbers] == ["#1", "#2", "#4"]
    marker = page.locator(".post-gap")
    expect(marker).to_have_text("1 post hidden")
    # The marker sits between #2 and #4.
    assert page.evaluate("""() => {
        const gap = document.querySelector('.post-gap');
        return gap.previousElementSibling.id === 'p2' && gap.nextElementSibling.id === 'p4';
    }""")
    page.goto(f"/t/{topic.slug}/{topic.id}/3")
    expect(page).to_have_url(re.compile(r".*#p3$"))
    expect(marker).to_be_in_viewport()
    no_sideways_scroll(page)
    assert page.js_errors == []


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280", "375"])
def test_a_pinned_announcement_leads_latest(browser, live_server, app, viewport):
    """Before: the pinned announcement sat at the bottom of /latest, by its old activity."""
    news = make_category("News", slug="news")
    announcement = make_topic(make_user("staffer", role="moderator"), news, title="New opening hours from Monday")
    db.session.execute(update(Topic).where(Topic.id == announcement.id)
                       .values(is_pinned=True, pinned_globally=True, last_posted_at=datetime(2020, 1, 1, tzinfo=UTC)))
    db.session.commit()
    for i in range(3):
        make_topic(make_user(), news, title=f"A busier conversation {i}")
    page = new_page(browser, live_server, viewport)
    page.goto("/latest")
    first = page.locator("[data-topic-id]").first
    expect(first.locator(".topic-title")).to_have_text("New opening hours from Monday")
    expect(first.locator(".tag.pin")).to_be_visible()
    no_sideways_scroll(page)


@pytest.mark.parametrize("locale, expected", [
    ("en", "You are read-only until "), ("it", "Sei in sola lettura fino al 12 dic"),
    ("fr", "Vous êtes en lecture seule jusqu’au 12 déc"),
])
def test_a_silenced_member_is_told_up_front_and_keeps_the_draft(browser, live_server, app, locale, expected):
    """Before: the reply box and "New topic" looked usable; the member learned on submit."""
    topic = conversation()
    member = make_member_in_state("silenced", "quiet", locale=locale, timezone="Europe/Rome")
    member.silenced_until = datetime(2099, 12, 12, 13, 0, tzinfo=UTC)
    db.session.add(Draft(user_id=member.id, kind="reply", key=str(topic.id),
                         data={"kind": "reply", "key": topic.id, "body": "What I wanted to add earlier."}))
    db.session.commit()
    for viewport in (DESKTOP, PHONE):
        page = new_page(browser, live_server, viewport)
        login(page, "quiet")
        page.goto(f"/t/{topic.slug}/{topic.id}")
        notice = page.locator("#reply .posting-blocked")
        expect(notice).to_be_visible()
        text = " ".join(notice.inner_text().split())
        # The end of the silence, in the member's zone (13:00 UTC is 14:00 in Rome), in their language.
        assert text.startswith(expected) and "2099" in text and ("14:00" in text or "2:00" in text), text
        expect(page.locator("#reply textarea[name=body]")).to_have_count(0)
        kept = page.locator("#reply .kept-draft textarea")
        expect(kept).to_have_value("What I wanted to add earlier.")
        assert kept.get_attribute("readonly") is not None
        expect(page.locator("a.js-quote")).to_have_count(0)
        page.goto("/new-topic")
        expect(page.locator(".posting-blocked")).to_be_visible()
        expect(page.locator("input[name=title]")).to_have_count(0)
        no_sideways_scroll(page)
        page.context.close()
    db.session.expire_all()
    assert db.session.scalar(select(Draft).where(Draft.user_id == member.id)) is not None  # never lost


def test_the_new_parts_pass_axe_in_light_and_dark(browser, live_server, app):
    """The hidden-post marker, the posting-block notice with its read-only draft, the draft status
    and "Discard draft": no serious or critical axe finding, in either colour scheme."""
    from tests.e2e.test_accessibility_browser import AXE, violations

    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` in the repository root (see package.json)")
    source = AXE.read_text(encoding="utf-8")
    topic = conversation()
    held = make_reply(topic, make_user("newbie"), "Waiting for a moderator.")
    db.session.execute(update(Post).where(Post.id == held.id).values(state=PostState.PENDING))
    member = make_member_in_state("silenced", "quiet")
    db.session.add(Draft(user_id=member.id, kind="reply", key=str(topic.id),
                         data={"kind": "reply", "key": topic.id, "body": "Kept for later."}))
    db.session.commit()
    make_user("writer")
    problems: list[str] = []
    for scheme in ("light", "dark"):
        for who in ("quiet", "writer"):
            context = browser.new_context(base_url=live_server.url, color_scheme=scheme, viewport=DESKTOP)
            page = context.new_page()
            login(page, who)
            page.goto(f"/t/{topic.slug}/{topic.id}/3")  # the marker is the target
            if who == "writer":
                page.locator("#reply textarea[name=body]").type("A few words.")
                expect(page.locator("#reply [data-draft-status]")).to_have_text("Draft saved", timeout=8000)
            problems += [f"{scheme} {who}: {v['id']} ({v['impact']}) {v['help']} {v['nodes']}"
                         for v in violations(page, source)]
            context.close()
    assert not problems, "\n".join(problems)
