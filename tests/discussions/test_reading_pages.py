"""Watching and reading as members meet them: the level controls, read tracking (reading.js's
POST and the no-JavaScript beacon), "N new" and "New" in topic lists, muted topics leaving
Latest, /new and /unread, and the jump to the first unread post."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import watching
from forum.discussions.models import NotificationLevel as Level
from forum.discussions.models import ReadAccess, Topic, TopicMember
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user

BEACON_RE = re.compile(r'<noscript><img class="read-beacon" src="([^"]+)"')


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TOPICS_PER_PAGE": 4}


def _html(response: Any) -> str:
    return response.get_data(as_text=True)


def _member(name: str, client: Any) -> User:
    user = make_user(name)
    client.login(name)
    return user


def _read_position(user: User, topic: Topic) -> int:
    db.session.expire_all()
    row = db.session.get(TopicMember, (user.id, topic.id))
    return row.last_read_post_number if row else 0


def _row_of(html: str, topic: Topic) -> str:
    match = re.search(rf'<tr class="[^"]*" data-topic-id="{topic.id}">(.*?)</tr>', html, re.S)
    assert match, f"topic {topic.id} is not listed"
    return match.group(1)


def _listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-topic-id="(\d+)"', html)]


def _age(user: User, *, days: int = 3) -> None:
    """The member's previous visit was ``days`` ago (and they joined before)."""
    then = utcnow() - timedelta(days=days)
    db.session.execute(update(User).where(User.id == user.id)
                       .values(previous_visit_at=then, created_at=then - timedelta(days=1)))
    db.session.commit()


# --- the level controls --------------------------------------------------------------------------

def test_the_topic_page_says_why_and_the_control_sets_a_level(client):
    author = _member("anna", client)
    topic = make_topic(author, title="Anna asks a question")
    page = _html(client.get(f"/t/{topic.slug}/{topic.id}"))
    assert "You are watching this because you created it." in page
    assert f'action="/t/{topic.id}/level"' in page
    response = client.post_form(f"/t/{topic.id}/level", {"level": str(int(Level.MUTED))})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/t/{topic.slug}/{topic.id}")
    assert watching.topic_level(author, topic) == Level.MUTED
    page = _html(client.get(f"/t/{topic.slug}/{topic.id}"))
    assert "You chose this level." in page


def test_level_changes_need_the_csrf_token_and_a_real_level(client):
    member = _member("bruno", client)
    topic = make_topic(make_user())
    assert client.post(f"/t/{topic.id}/level", data={"level": "3"}).status_code == 400
    assert client.post_form(f"/t/{topic.id}/level", {"level": "4"}).status_code == 400  # categories only
    assert client.post_form(f"/t/{topic.id}/level", {"level": "²"}).status_code == 400
    assert watching.topic_level(member, topic) == Level.NORMAL


def test_a_topic_one_may_not_read_has_no_control(client):
    _member("bruno", client)
    staff_room = make_category("Staff room", slug="staff-room", read_access=ReadAccess.STAFF)
    topic = make_topic(make_user(role="admin"), staff_room)
    assert client.post_form(f"/t/{topic.id}/level", {"level": "3"}).status_code == 404
    assert client.post_form("/c/staff-room/level", {"level": "3"}).status_code == 404
    assert client.post_form(f"/t/{topic.id}/read", {"post_number": "1"}).status_code == 404


def test_the_category_control(client):
    member = _member("carla", client)
    category = make_category("Hardware", slug="hardware")
    page = _html(client.get("/c/hardware"))
    assert "Notifications for this category" in page and "Watching first post" in page
    assert client.post_form("/c/hardware/level", {"level": str(int(Level.WATCHING_FIRST_POST))}).status_code == 302
    assert watching.category_level(member, category) == Level.WATCHING_FIRST_POST
    page = _html(client.get("/c/hardware"))
    assert re.search(r'value="4" class="level-option" aria-current="true"', page)


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", {
        Level.WATCHING: "You are watching this topic: you will hear of every new post.",
        Level.MUTED: "This topic is muted: you will hear nothing more about it, and it leaves Latest.",
        "category muted": "This category is muted: you will hear nothing more about its topics, and they "
                          "leave Latest."}),
    ("it", {
        Level.WATCHING: "Stai osservando questa discussione: saprai di ogni nuovo messaggio.",
        Level.MUTED: "Questa discussione è silenziata: non ne saprai più nulla e non comparirà più in Recenti.",
        "category muted": "Questa categoria è silenziata: non saprai più nulla delle sue discussioni, che non "
                          "compariranno più in Recenti."}),
    ("fr", {
        Level.WATCHING: "Vous surveillez ce sujet\u00a0: vous serez averti de chaque nouveau message.",
        Level.MUTED: "Ce sujet est en sourdine\u00a0: vous n’en entendrez plus parler, et il n’apparaît plus "
                     "dans Récents.",
        "category muted": "Cette catégorie est en sourdine\u00a0: vous n’entendrez plus parler de ses sujets, "
                          "et ils n’apparaissent plus dans Récents."}),
])
def test_the_confirmation_says_what_the_level_does(client, locale, expected):
    dora = make_user("dora", locale=locale)
    client.login("dora")
    topic = make_topic(make_user())
    category = make_category("Hardware", slug="hardware")
    said = {}
    for level in watching.TOPIC_LEVELS:
        page = _html(client.post_form(f"/t/{topic.id}/level", {"level": str(int(level))}, follow_redirects=True))
        said[level] = re.search(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1).strip()
    for level in watching.TOPIC_LEVELS:
        assert level not in expected or said[level] == expected[level]
    assert len(set(said.values())) == len(watching.TOPIC_LEVELS)  # one sentence per level
    assert not any("“" in text or "«" in text for text in said.values())  # no quoted level name
    told = []
    for level in watching.CATEGORY_LEVELS:
        page = _html(client.post_form("/c/hardware/level", {"level": str(int(level))}, follow_redirects=True))
        told.append(re.search(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', page, re.S).group(1).strip())
    assert told[-1] == expected["category muted"] and watching.category_level(dora, category) == Level.MUTED
    assert len(set(told)) == len(told) and not set(told) & set(said.values())


def test_visitors_see_no_control(client):
    topic = make_topic(make_user())
    page = _html(client.get(f"/t/{topic.slug}/{topic.id}"))
    assert "level-control" not in page and "reading.js" not in page and "read-beacon" not in page


# --- read tracking ---------------------------------------------------------------------------------

def test_reading_js_posts_the_highest_post_seen(client):
    member = _member("dario", client)
    topic = make_topic(make_user())
    for _ in range(5):
        make_reply(topic)
    assert client.post_form(f"/t/{topic.id}/read", {"post_number": "4"}).status_code == 204
    assert _read_position(member, topic) == 4
    assert client.post_form(f"/t/{topic.id}/read", {"post_number": "2"}).status_code == 204
    assert _read_position(member, topic) == 4  # never back
    assert client.post(f"/t/{topic.id}/read", data={"post_number": "6"}).status_code == 400  # no CSRF token
    assert client.post_form(f"/t/{topic.id}/read", {"post_number": "x"}).status_code == 400
    assert _read_position(member, topic) == 4


def test_without_javascript_the_page_marks_read_what_it_shows(client):
    member = _member("elena", client)
    topic = make_topic(make_user())
    for _ in range(3):
        make_reply(topic)
    page = _html(client.get(f"/t/{topic.slug}/{topic.id}"))
    assert _read_position(member, topic) == 0  # the GET itself writes nothing
    beacon = BEACON_RE.search(page)
    assert beacon, "no <noscript> beacon"
    url = beacon.group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/gif"
    assert _read_position(member, topic) == 4
    assert "read-beacon" not in _html(client.get(f"/t/{topic.slug}/{topic.id}"))  # all read: no beacon


def test_a_beacon_works_only_for_its_member_and_topic(client, app):
    member = _member("fabio", client)
    topic, other = make_topic(make_user()), make_topic(make_user())
    url = BEACON_RE.search(_html(client.get(f"/t/{topic.slug}/{topic.id}"))).group(1).replace("&amp;", "&")
    assert client.get(url.replace(f"/t/{topic.id}/", f"/t/{other.id}/")).status_code == 404
    assert client.get(url[:-3] + "abc").status_code == 404  # forged signature
    stranger = app.test_client()
    make_user("gina")
    stranger.login("gina")
    assert stranger.get(url).status_code == 404
    assert app.test_client().get(url).status_code == 404  # signed out
    assert _read_position(member, topic) == 0


# --- lists -----------------------------------------------------------------------------------------

def test_latest_shows_n_new_for_tracked_topics_and_links_to_the_first_unread(client):
    member = _member("hugo", client)
    tracked, normal = make_topic(make_user(), title="A tracked topic"), make_topic(make_user(), title="Only read")
    make_reply(tracked, member)  # replying tracks it (and reads it up to the reply, #2)
    watching.mark_read(member, normal, 1)
    for _ in range(3):
        make_reply(tracked)
        make_reply(normal)
    html = _html(client.get("/latest"))
    row = _row_of(html, tracked)
    assert ">3 new</a>" in row
    assert f'href="/t/{tracked.slug}/{tracked.id}/3"' in row  # the first unread post
    assert "new</a>" not in _row_of(html, normal)  # normal level: no count...
    assert f'href="/t/{normal.slug}/{normal.id}/2"' in _row_of(html, normal)  # ...but it opens where they stopped


def test_new_marks_topics_created_since_the_previous_visit_and_never_opened(client):
    member = _member("ines", client)
    old = make_topic(make_user(), title="From before the visit")
    db.session.execute(update(Topic).where(Topic.id == old.id).values(created_at=utcnow() - timedelta(days=5)))
    db.session.commit()
    _age(member)
    fresh, opened = make_topic(make_user(), title="Started while away"), make_topic(make_user(), title="Seen one")
    watching.mark_read(member, opened, 1)
    html = _html(client.get("/latest"))
    assert '<span class="tag new">New</span>' in _row_of(html, fresh)
    assert "tag new" not in _row_of(html, old) and "tag new" not in _row_of(html, opened)
    listed = _listed(_html(client.get("/new")))
    assert fresh.id in listed and old.id not in listed and opened.id not in listed


def test_muted_topics_and_categories_leave_latest(client):
    member = _member("luca", client)
    noisy = make_category("Noisy", slug="noisy")
    in_noisy, kept_in_noisy = make_topic(make_user(), noisy), make_topic(make_user(), noisy)
    muted, plain = make_topic(make_user()), make_topic(make_user())
    listed = _listed(_html(client.get("/latest")))
    assert {in_noisy.id, kept_in_noisy.id, muted.id, plain.id} <= set(listed)
    client.post_form(f"/t/{muted.id}/level", {"level": "0"})
    client.post_form("/c/noisy/level", {"level": "0"})
    client.post_form(f"/t/{kept_in_noisy.id}/level", {"level": "2"})  # followed despite its category
    listed = _listed(_html(client.get("/latest")))
    assert plain.id in listed and kept_in_noisy.id in listed
    assert muted.id not in listed and in_noisy.id not in listed
    # The muted category's own page still lists its topics; a muted topic is nowhere.
    assert in_noisy.id in _listed(_html(client.get("/c/noisy")))
    assert muted.id not in _listed(_html(client.get(f"/c/{muted.category.slug}")))
    # Only for that member.
    client.post("/logout", data={"csrf_token": client.csrf_token()})
    assert muted.id in _listed(_html(client.get("/latest")))
    assert member.id


def test_unread_lists_followed_topics_with_unread_posts(client):
    member = _member("marta", client)
    tracked, watched_cat_topic, normal, done = (make_topic(make_user(), title=f"Topic {n} here") for n in range(4))
    make_reply(tracked, member)
    watched = make_category("Watched", slug="watched")
    watching.set_category_level(member, watched, Level.WATCHING)
    in_watched = make_topic(make_user(), watched)
    watching.mark_read(member, in_watched, 1)
    watching.mark_read(member, normal, 1)
    make_reply(done, member)
    for topic in (tracked, normal, in_watched):
        make_reply(topic)
    listed = _listed(_html(client.get("/unread")))
    assert set(listed) == {tracked.id, in_watched.id}
    assert watched_cat_topic.id not in listed and done.id not in listed


def test_new_and_unread_walk_pages_with_a_cursor(client, walk):
    member = _member("nico", client)
    _age(member)
    topics = [make_topic(make_user(), title=f"Fresh topic {i}") for i in range(9)]
    pages = walk(client, "/new")
    assert len(pages) == 3 and sorted(i for page in pages for i in page) == sorted(t.id for t in topics)
    for topic in topics:
        make_reply(topic, member)
        make_reply(topic)
    pages = walk(client, "/unread")
    assert len(pages) == 3 and sorted(i for page in pages for i in page) == sorted(t.id for t in topics)
    assert client.get("/new?before=forged").status_code == 400


def test_new_and_unread_are_for_members(client):
    for url in ("/new", "/unread"):
        assert "/login" in client.get(url).headers["Location"]


# --- the topic page --------------------------------------------------------------------------------

def test_the_topic_page_marks_where_unread_posts_start(client):
    member = _member("olga", client)
    topic = make_topic(make_user())
    for _ in range(4):
        make_reply(topic)
    page = _html(client.get(f"/t/{topic.slug}/{topic.id}"))
    assert "Unread from here" not in page  # never opened: no marker
    watching.mark_read(member, topic, 2)
    page = _html(client.get(f"/t/{topic.slug}/{topic.id}"))
    assert page.index('id="unread"') < page.index('id="p3"') and page.index('id="p2"') < page.index('id="unread"')
    assert 'data-last-read="2"' in page
    watching.mark_read(member, topic, 5)
    assert "Unread from here" not in _html(client.get(f"/t/{topic.slug}/{topic.id}"))
