"""Issue 12's "Done when", in Chromium, each person in a browser of their own: Anna (Italian) asks
a question; Bruno answers and @mentions her; Giulia (staff) gives the official reply. Anna sees
both in the bell and has the two mails (Italian, multipart, absolute links to the exact posts);
she opens the topic at the first unread post and the official reply from the bell; she likes the
official reply and Giulia hears of it once, even after a like, an undo and a like again; she
mutes the topic and hears nothing more.

Then the bell itself: three replies fold into one line that opens the first of them and marks
all three read, a new reply reaches an open page without a reload, "Mark all as read", Escape,
the bell without JavaScript, and axe on the open
menu in light and dark."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, update

from forum import jobs
from forum.accounts.models import AuthSession, User
from forum.db_types import utcnow
from forum.discussions.models import Post, Topic
from forum.extensions import db
from forum.notifications import preferences
from forum.notifications.models import Notification
from tests.e2e.conftest import login
from tests.factories import (
    general_category,
    make_established_user,
    make_reply,
    make_staff,
    make_topic,
    support_category,
)

pytestmark = [pytest.mark.e2e, pytest.mark.committing]  # the served app commits from its own threads

DESKTOP = {"width": 1280, "height": 900}
AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
TITLE = "La mia moka perde acqua dalla guarnizione"


def person(browser: Any, live_server: Any, *, locale: str = "en-GB", javascript: bool = True,
           scheme: str = "light") -> Any:
    """A browser of one's own (cookies, language) on the served app."""
    context = browser.new_context(base_url=live_server.url, locale=locale, timezone_id="Europe/Rome",
                                  viewport=DESKTOP, color_scheme=scheme, java_script_enabled=javascript)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def user_id(username: str) -> int:
    db.session.rollback()  # read what the served app committed
    found = db.session.scalar(select(User.id).where(User.username == username))
    assert found is not None, username
    return int(found)


def notices_of(username: str, **where: Any) -> list[Notification]:
    uid = user_id(username)
    query = select(Notification).where(Notification.user_id == uid).order_by(Notification.id)
    for column, value in where.items():
        query = query.where(getattr(Notification, column) == value)
    return list(db.session.scalars(query))


def mail_to(live_server: Any, username: str) -> list[Any]:
    return [m for m in live_server.outbox if m.to == f"{username}@example.com"]


def leave_site(username: str) -> None:
    """The member has not been on the site for longer than the community's away minutes (the
    default delivery of mentions and official replies is "email when away",
    forum.notifications.preferences.away_until, measured on users.last_seen_at): their last
    visit, and their signed-in browser's, are moved back, as if they had closed the tab then."""
    gone = utcnow() - timedelta(minutes=preferences.away_minutes() + 5)
    uid = user_id(username)
    db.session.execute(update(User).where(User.id == uid).values(last_seen_at=gone))
    db.session.execute(update(AuthSession).where(AuthSession.user_id == uid).values(last_seen_at=gone))
    db.session.commit()


def bell(page: Any) -> Any:
    return page.locator("details.notif-menu")


def open_bell(page: Any, lines: int) -> Any:
    """Open the bell (a click on its summary) and wait for notifications.js to load ``lines``."""
    menu = bell(page)
    menu.locator("summary").click()
    items = menu.locator("[data-notif-items] li")
    expect(items).to_have_count(lines)
    expect(menu.locator("[data-notif-items]")).not_to_have_attribute("aria-busy", "true")
    return items


def reply_through_ui(page: Any, topic: Topic, body: str, *, official: bool = False) -> None:
    page.goto(f"/t/{topic.slug}/{topic.id}")
    page.fill("#reply-form textarea[name=body]", body)
    if official:
        page.check("#reply-form input[name=official]")
    page.click("#reply-form button.primary")
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}(\?page=\d+)?#p\d+$"))


def post_number(topic: Topic, number: int) -> Post:
    db.session.rollback()
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == number))
    assert post is not None, number
    return post


def heart(page: Any, post: Post) -> Any:
    return page.locator(f"#reactions-{post.id} button[data-focus=heart]")


def press_heart(page: Any, post: Post, pressed: bool) -> None:
    heart(page, post).click()
    expect(heart(page, post)).to_have_attribute("aria-pressed", "true" if pressed else "false")


def test_anna_asks_hears_back_likes_and_mutes(browser, live_server, app):
    make_established_user("anna", display_name="Anna", locale="it")
    make_established_user("bruno", display_name="Bruno")
    make_staff("giulia", "Customer Care", display_name="Giulia", created_at=utcnow() - timedelta(days=90))
    category = support_category()

    # 1. Anna asks her question (in Italian: her language, whatever her browser says).
    anna = person(browser, live_server, locale="it-IT")
    login(anna, "anna")
    anna.goto("/new-topic")
    anna.select_option("#topic-form select[name=category]", str(category.id))
    anna.fill("#topic-form input[name=title]", TITLE)
    anna.fill("#topic-form textarea[name=body]", "Da ieri la moka perde acqua tra il serbatoio e il filtro. "
                                                 "Cosa posso fare?")
    anna.click("#topic-form button.primary")
    anna.wait_for_url(re.compile(r".*/t/[^/]+/\d+$"))
    db.session.rollback()
    topic = db.session.scalar(select(Topic).where(Topic.title == TITLE))
    assert topic is not None and anna.url.endswith(f"/t/{topic.slug}/{topic.id}")
    # Then she goes about her day: Bruno and Giulia answer while she is away, so the mails that
    # mentions and official replies send by default ("email when away") are due.
    leave_site("anna")

    # 2. Bruno answers and mentions her.
    bruno = person(browser, live_server)
    login(bruno, "bruno")
    reply_through_ui(bruno, topic, "@anna capita quando la guarnizione è secca: cambiala, costa poco.")
    assert bruno.url.endswith("#p2")

    # 3. Giulia gives the official reply.
    giulia = person(browser, live_server)
    login(giulia, "giulia")
    reply_through_ui(giulia, topic, "Ciao Anna! Ti spediamo **una guarnizione nuova** gratis.", official=True)
    assert giulia.url.endswith("#p3")
    mention, official = post_number(topic, 2), post_number(topic, 3)
    assert official.is_official

    # 4. The mails reached her: Italian, multipart, why she got them, absolute links to the posts.
    mails = mail_to(live_server, "anna")
    assert [m.subject for m in mails] == [f"Bruno ti ha menzionato in “{TITLE}”",
                                          f"Giulia ha dato una risposta ufficiale in “{TITLE}”"]
    for mail, post, kind in ((mails[0], mention, "Qualcuno ti menziona"),
                             (mails[1], official, "Una risposta ufficiale in una discussione che hai aperto o che "
                                                  "osservi")):
        link = f"{live_server.url}/t/{topic.slug}/{topic.id}/{post.post_number}"
        assert mail.html and mail.body, "a text part and an HTML part"
        assert f"Vedilo sul forum:\n{link}\n" in mail.body
        assert f'href="{link}"' in mail.html and 'lang="it"' in mail.html and "Vedilo sul forum" in mail.html
        assert f"le tue preferenze inviano “{kind}” via email quando non sei su" in mail.body
        assert "List-Unsubscribe" in mail.headers
        hrefs = re.findall(r'(?:href|src)="([^"]*)"', mail.html)
        assert hrefs and all(h.startswith(live_server.url + "/") for h in hrefs), hrefs
    assert "una guarnizione nuova" in mails[1].html and "una guarnizione nuova" in mails[1].body

    # ... and the bell says so when she comes back: the count, then both lines in Italian.
    anna.goto("/latest")
    summary = bell(anna).locator("summary")
    expect(summary.locator(".count")).to_have_text("2")
    expect(summary).to_have_attribute("aria-label", "2 notifiche non lette")
    lines = open_bell(anna, 2)
    expect(lines.nth(0)).to_contain_text(f"Giulia ha dato una risposta ufficiale in “{TITLE}”")
    expect(lines.nth(1)).to_contain_text(f"Bruno ti ha menzionato in “{TITLE}”")
    expect(lines.filter(has=anna.locator(".notice-dot"))).to_have_count(2)

    # 5. From the list of unread topics: the topic opens at the first post she has not read (#2).
    anna.goto("/unread")
    new_link = anna.locator(f"tr[data-topic-id='{topic.id}'] a.tag.unread")
    expect(new_link).to_have_attribute("data-unread", "2")
    new_link.click()
    anna.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}#p2$"))
    expect(anna.locator("#unread")).to_have_text("Non letti da qui")
    assert anna.evaluate("document.querySelector('#unread').nextElementSibling.id") == "p2"
    # From the bell: the official reply's line goes to that exact post, and is read.
    lines = open_bell(anna, 2)
    lines.filter(has_text="risposta ufficiale").locator("button.notice-open").click()
    anna.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}#p3$"))
    expect(anna.locator("#p3")).to_be_in_viewport()
    # (Whether the mention is read by now depends on reading.js having reported post 2 as seen.)
    assert [n.kind for n in notices_of("anna")] == ["mentioned", "official_reply"]
    assert notices_of("anna", kind="official_reply")[0].read_at is not None

    # 6. She likes the official reply: Giulia hears of it once.
    press_heart(anna, official, True)
    giulia.goto("/latest")
    expect(bell(giulia).locator("summary .count")).to_have_text("1")
    liked = open_bell(giulia, 1)
    expect(liked).to_contain_text(f"Anna liked your post in “{TITLE}”")
    assert len(notices_of("giulia", kind="post_liked", post_id=official.id)) == 1
    # A like taken back and given again is still the one notice.
    press_heart(anna, official, False)
    press_heart(anna, official, True)
    giulia.reload()
    expect(bell(giulia).locator("summary .count")).to_have_text("1")
    expect(open_bell(giulia, 1)).to_contain_text(f"Anna liked your post in “{TITLE}”")
    assert len(notices_of("giulia", kind="post_liked", post_id=official.id)) == 1
    assert len(notices_of("giulia")) == 1

    # 7. She mutes the topic from its level control, and leaves again.
    anna.goto(f"/t/{topic.slug}/{topic.id}")
    control = anna.locator(".topic-head .level-control")
    control.locator("summary").click()
    control.locator("button.level-option[value='0']").click()
    anna.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}$"))
    expect(control.locator("summary")).to_contain_text("Silenziata")
    leave_site("anna")
    before_notices, before_mails = notices_of("anna"), len(mail_to(live_server, "anna"))
    unread_before = sum(1 for n in before_notices if n.read_at is None)
    reply_through_ui(bruno, topic, "@anna @giulia ha funzionato la guarnizione nuova?")
    assert bruno.url.endswith("#p4")
    fourth = post_number(topic, 4)
    # The fan-out ran (Giulia, mentioned too, heard of it); Anna heard nothing, by bell or mail.
    assert [n.kind for n in notices_of("giulia", post_id=fourth.id)] == ["mentioned"]
    assert [n.id for n in notices_of("anna")] == [n.id for n in before_notices]
    assert len(mail_to(live_server, "anna")) == before_mails
    anna.goto("/latest")
    lines = open_bell(anna, 2)  # the same two lines, none about post #4
    expect(lines.filter(has=anna.locator(".notice-dot"))).to_have_count(unread_before)
    expect(bell(anna).locator("summary .count")).to_have_count(1 if unread_before else 0)

    for p in (anna, bruno, giulia):
        assert p.js_errors == []
        p.context.close()


# --- the bell's own behaviour --------------------------------------------------------------------------

@pytest.fixture
def three_replies(app: Any) -> Topic:
    """Dario's topic (he watches what he starts) got three replies he has not read."""
    dario = make_established_user("dario", display_name="Dario")
    topic = make_topic(dario, general_category(), title="Descaling a kettle with citric acid",
                       body="How much citric acid per litre?")
    for name, body in (("elena", "Two spoons per litre."), ("fabio", "Rinse twice after."),
                       ("gina", "Vinegar smells for days.")):
        make_reply(topic, make_established_user(name, display_name=name.title()), body)
    jobs.run_pending()  # the fan-out the replies queued (made here, outside a request)
    assert [n.kind for n in notices_of("dario")] == ["topic_reply"] * 3
    return topic


def test_three_replies_are_one_line_that_opens_the_first_and_reads_them_all(browser, live_server, three_replies):
    topic = three_replies
    page = person(browser, live_server)
    login(page, "dario")
    page.goto("/latest")
    expect(bell(page).locator("summary .count")).to_have_text("3")
    [line] = open_bell(page, 1).all()
    expect(line).to_contain_text(f"3 new replies in “{topic.title}”")
    line.locator("button.notice-open").click()
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}#p2$"))  # the first of the three
    expect(bell(page).locator("summary .count")).to_have_count(0)
    assert all(n.read_at is not None for n in notices_of("dario"))
    assert page.js_errors == []
    page.context.close()


def test_a_reply_reaches_an_open_page_without_a_reload(browser, live_server, three_replies):
    """notifications.js asks for the count once a minute while the page is in view (the page's
    clock is moved on, not waited for); the menu then lists the new reply."""
    topic = three_replies
    page = person(browser, live_server)
    page.clock.install()
    login(page, "dario")
    page.goto("/latest")
    expect(bell(page).locator("summary .count")).to_have_text("3")
    make_reply(topic, make_established_user("hugo", display_name="Hugo"), "And @dario, use filtered water.")
    jobs.run_pending()
    page.clock.run_for(61_000)
    expect(bell(page).locator("summary .count")).to_have_text("4")
    expect(bell(page).locator("summary")).to_have_attribute("aria-label", "4 unread notifications")
    items = open_bell(page, 2)
    expect(items.first).to_contain_text("Hugo mentioned you")
    assert page.js_errors == []
    page.context.close()


def test_mark_all_as_read_and_escape(browser, live_server, three_replies):
    page = person(browser, live_server)
    login(page, "dario")
    page.goto("/latest")
    menu = bell(page)
    open_bell(page, 1)
    expect(menu.locator(".notif-panel")).to_be_visible()
    page.keyboard.press("Escape")
    expect(menu.locator(".notif-panel")).to_be_hidden()
    expect(menu.locator("summary")).to_be_focused()

    open_bell(page, 1)
    menu.get_by_role("button", name="Mark all as read").click()
    page.wait_for_url(re.compile(r".*/latest$"))  # back where she was
    expect(bell(page).locator("summary .count")).to_have_count(0)
    expect(bell(page).locator("summary")).to_have_attribute("aria-label", "Notifications")
    assert all(n.read_at is not None for n in notices_of("dario"))
    open_bell(page, 3)  # read notices are one line each (only unread ones fold), none marked unread
    expect(menu.locator(".notice-dot")).to_have_count(0)
    assert page.js_errors == []
    page.context.close()


def test_the_bell_without_javascript(browser, live_server, three_replies):
    topic = three_replies
    page = person(browser, live_server, javascript=False)
    login(page, "dario")
    page.goto("/latest")
    menu = bell(page)
    expect(menu.locator("summary .count")).to_have_text("3")
    menu.locator("summary").click()  # a <details>: it opens with no script
    expect(menu).to_have_attribute("open", "")
    expect(menu.locator("[data-notif-items] li")).to_have_count(0)  # nothing loaded without script
    expect(menu.get_by_role("button", name="Mark all as read")).to_be_visible()
    menu.get_by_role("link", name="See all notifications").click()
    page.wait_for_url("**/notifications")
    lines = page.locator(".notifications button.notice-open")
    expect(lines).to_have_count(3)
    expect(lines.first).to_contain_text(f"Gina replied to your topic “{topic.title}”")
    lines.first.click()  # a POST form: read, and to the post
    page.wait_for_url(re.compile(rf".*/t/{topic.slug}/{topic.id}#p4$"))
    opened = notices_of("dario", post_id=post_number(topic, 4).id)
    assert len(opened) == 1 and opened[0].read_at is not None
    page.context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_open_bell_has_no_accessibility_violation(browser, live_server, three_replies, scheme):
    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` in the repository root (see package.json)")
    make_reply(three_replies, make_established_user("hugo"), "@dario try a descaler tablet.")
    jobs.run_pending()
    page = person(browser, live_server, scheme=scheme)
    login(page, "dario")
    page.goto("/latest")
    open_bell(page, 2)  # the mention and the folded replies
    page.evaluate(AXE.read_text(encoding="utf-8"))  # through the devtools protocol: the CSP is untouched
    found = page.evaluate("""async () => {
      const result = await axe.run(document.querySelector('details.notif-menu'), {resultTypes: ['violations']});
      return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
        nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' -> ' + (n.failureSummary || ''))}));
    }""")
    assert found == [], found
    page.context.close()

