"""Home, category pages, /latest, restricted categories and pinned topics, through the test client."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select, update

from forum.db_types import utcnow
from forum.discussions.models import Category, Topic
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user, set_topic_activity

TOPIC_ID_RE = re.compile(r'data-topic-id="(\d+)"')


def _row(html: str, marker: str) -> str:
    """The table row (``<tr>...</tr>``) that contains ``marker``."""
    for row in html.split("<tr")[1:]:
        if marker in row:
            return row.split("</tr>")[0]
    raise AssertionError(f"no row with {marker!r}")


def _nums(row: str) -> list[int]:
    """The counts of a row: each cell's number (the stat macro's short form)."""
    return [int(n) for n in re.findall(r'<td class="num">.*?<span class="stat-short"[^>]*>(\d+)</span>', row)]


def test_home_lists_categories_with_description_counts_and_latest_activity(client):
    cat = make_category("Gardening", slug="gardening", description="Seeds, soil and patience.")
    alice, bob = make_user("alice", display_name="Alice A"), make_user("bob", display_name="Bobby B")
    t1 = make_topic(alice, cat, title="Tomatoes in March")
    make_reply(t1, bob)
    t2 = make_topic(alice, cat, title="Pruning roses")
    make_reply(t2, alice)
    make_reply(t2, bob, body="Latest word on roses.")

    html = client.get("/").get_data(as_text=True)
    row = _row(html, "/c/gardening")
    assert "Seeds, soil and patience." in row
    assert _nums(row) == [2, 5]  # topics, posts (opening posts included)
    assert "Pruning roses" in row and "Bobby B" in row  # latest topic and who posted last
    assert "Tomatoes in March" not in row

    # Activity elsewhere moves "latest" to that topic.
    make_reply(t1, alice, body="Back to tomatoes.")
    row = _row(client.get("/").get_data(as_text=True), "/c/gardening")
    assert "Tomatoes in March" in row and "Alice A" in row
    assert _nums(row) == [2, 6]


def test_members_only_category_is_invisible_to_visitors_everywhere(client):
    secret = make_category("Insiders", slug="insiders", read_access="members")
    author = make_user("insider")
    topic = make_topic(author, secret, title="Members only plans")
    reply = make_reply(topic, author, body="A reply only members should read.")
    open_topic = make_topic(author, make_category("Open", slug="open"), title="Open for everyone")

    assert "/c/insiders" not in client.get("/").get_data(as_text=True)
    latest = client.get("/latest").get_data(as_text=True)
    assert "Members only plans" not in latest and "Open for everyone" in latest
    assert client.get("/c/insiders").status_code == 404
    assert client.get(f"/t/{topic.slug}/{topic.id}").status_code == 404
    assert client.get(f"/t/{topic.slug}/{topic.id}/2").status_code == 404
    assert client.get(f"/p/{reply.id}").status_code == 404
    assert client.get(f"/t/{open_topic.slug}/{open_topic.id}?quote={reply.id}").status_code == 200
    assert "only members should read" not in client.get(
        f"/t/{open_topic.slug}/{open_topic.id}?quote={reply.id}").get_data(as_text=True)
    profile = client.get("/u/insider").get_data(as_text=True)
    assert "Members only plans" not in profile and "Open for everyone" in profile

    make_user("reader")
    client.login("reader")
    assert "/c/insiders" in client.get("/").get_data(as_text=True)
    assert "Members only plans" in client.get("/latest").get_data(as_text=True)
    assert client.get(f"/t/{topic.slug}/{topic.id}").status_code == 200
    assert "Members only plans" in client.get("/u/insider").get_data(as_text=True)


def test_staff_only_category_hidden_from_members_and_shown_to_staff(client):
    staff_cat = make_category("Team room", slug="team-room", read_access="staff")
    mod = make_user("mod", role="moderator")
    topic = make_topic(mod, staff_cat, title="Moderator notes")
    make_user("member")
    client.login("member")
    assert "/c/team-room" not in client.get("/").get_data(as_text=True)
    assert client.get("/c/team-room").status_code == 404
    assert client.get(f"/t/{topic.slug}/{topic.id}").status_code == 404
    assert "Moderator notes" not in client.get("/latest").get_data(as_text=True)
    client.post_form("/logout")

    make_user("brandperson", staff=True)  # a staff-group member, not a moderator
    client.login("brandperson")
    assert client.get("/c/team-room").status_code == 200
    assert "Moderator notes" in client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)


def test_staff_only_topic_creation(client):
    announcements = db.session.scalar(select(Category).where(Category.slug == "announcements"))
    assert announcements.topic_access == "staff"
    make_user("member")
    client.login("member")
    form = client.get("/new-topic").get_data(as_text=True)
    assert f'<option value="{announcements.id}"' not in form and ">General</option>" in form
    assert "/new-topic?category=announcements" not in client.get("/c/announcements").get_data(as_text=True)
    # A link that names it anyway (a bookmark) says so instead of quietly choosing another category.
    linked = client.get("/new-topic?category=announcements").get_data(as_text=True)
    assert "does not take new topics from you right now" in linked and "Announcements" in linked
    assert "does not take new topics" not in client.get("/new-topic?category=general").get_data(as_text=True)
    response = client.post_form("/new-topic", {"category": announcements.id, "title": "Big news everyone",
                                               "body": "Members cannot announce."})
    assert response.status_code == 403
    assert db.session.scalar(select(Topic).where(Topic.title == "Big news everyone")) is None
    client.post_form("/logout")

    make_user("teamlead", role="moderator")
    client.login("teamlead")
    assert f'<option value="{announcements.id}"' in client.get("/new-topic").get_data(as_text=True)
    response = client.post_form("/new-topic", {"category": announcements.id, "title": "Big news everyone",
                                               "body": "Staff can announce."})
    assert response.status_code == 302
    assert db.session.scalar(select(Topic).where(Topic.title == "Big news everyone")) is not None


def _set_activity(topic: Topic, minutes_ago: int) -> None:
    set_topic_activity(topic, utcnow() - timedelta(minutes=minutes_ago))


def test_pinned_first_then_last_activity_and_pins_expire(client):
    cat = make_category("Help", slug="help")
    old_pinned = make_topic(category=cat, title="Read this first")
    expired = make_topic(category=cat, title="Pin has expired")
    quiet = make_topic(category=cat, title="Quiet topic here")
    busy = make_topic(category=cat, title="Busy topic here")
    _set_activity(old_pinned, 300)
    _set_activity(expired, 200)
    _set_activity(quiet, 100)
    _set_activity(busy, 10)
    db.session.execute(update(Topic).where(Topic.id == old_pinned.id).values(is_pinned=True))
    db.session.execute(update(Topic).where(Topic.id == expired.id)
                       .values(is_pinned=True, pinned_until=utcnow() - timedelta(minutes=1)))
    db.session.commit()

    def order() -> list[int]:
        return [int(i) for i in TOPIC_ID_RE.findall(client.get("/c/help").get_data(as_text=True))]

    assert order() == [old_pinned.id, busy.id, quiet.id, expired.id]
    page = client.get("/c/help").get_data(as_text=True)
    assert _row(page, f'data-topic-id="{old_pinned.id}"').count("Pinned") >= 1
    assert "Pinned" not in _row(page, f'data-topic-id="{expired.id}"')
    topic_page = client.get(f"/t/{expired.slug}/{expired.id}").get_data(as_text=True)
    assert "📌" not in topic_page

    # A reply bumps a topic above the others, but never above a live pin.
    make_reply(quiet)
    assert order() == [old_pinned.id, quiet.id, busy.id, expired.id]
    # A pin with a future end date still pins.
    db.session.execute(update(Topic).where(Topic.id == expired.id)
                       .values(pinned_until=utcnow() + timedelta(days=1)))
    db.session.commit()
    assert order()[:2] in ([old_pinned.id, expired.id], [expired.id, old_pinned.id])


def test_latest_shows_live_global_pins_first_from_every_readable_category(client):
    """Issue 11: a pinned announcement sat at the bottom of /latest, by its old activity. A pin
    is for its category unless a moderator pins it for everyone (as Discourse's "pin
    globally"): only those lead /latest; the others lead their category's page."""
    news = make_category("News", slug="news")
    announcement = make_topic(category=news, title="Read me: new opening hours")
    expired = make_topic(category=news, title="Old pin, now expired")
    chat = make_category("Chat", slug="chat2")
    busy = make_topic(category=chat, title="Busy chat topic")
    local = make_topic(category=chat, title="Chat rules, pinned in Chat only")
    staff_only = make_category("Staff room", slug="staff-room", read_access="staff")
    secret = make_topic(make_user(role="moderator"), staff_only, title="Pinned for staff only")
    _set_activity(announcement, 3000)
    _set_activity(expired, 2000)
    _set_activity(local, 1500)
    _set_activity(secret, 1000)
    _set_activity(busy, 5)
    for topic, until, everyone in ((announcement, utcnow() + timedelta(days=2), True),
                                   (expired, utcnow() - timedelta(minutes=1), True), (secret, None, True),
                                   (local, None, False)):
        db.session.execute(update(Topic).where(Topic.id == topic.id)
                           .values(is_pinned=True, pinned_until=until, pinned_globally=everyone))
    db.session.commit()
    html = client.get("/latest").get_data(as_text=True)
    ids = [int(i) for i in TOPIC_ID_RE.findall(html)]
    assert ids[0] == announcement.id  # before busier topics
    assert ids.index(busy.id) < ids.index(local.id) < ids.index(expired.id)  # by activity, like any topic
    assert secret.id not in ids  # a pin never shows what the reader may not read
    assert "Pinned" in _row(html, f'data-topic-id="{announcement.id}"')
    assert "Pinned" not in _row(html, f'data-topic-id="{expired.id}"')
    assert "Pinned" not in _row(html, f'data-topic-id="{local.id}"')
    # A category's page puts its own pins first, whether pinned for everyone or not.
    html = client.get("/c/chat2").get_data(as_text=True)
    assert [int(i) for i in TOPIC_ID_RE.findall(html)] == [local.id, busy.id]
    assert "Pinned" in _row(html, f'data-topic-id="{local.id}"')
    assert TOPIC_ID_RE.findall(client.get("/c/news").get_data(as_text=True))[:1] == [str(announcement.id)]
    # Filters apply to pins too.
    ids = [int(i) for i in TOPIC_ID_RE.findall(client.get("/latest?official=yes").get_data(as_text=True))]
    assert announcement.id not in ids


def test_latest_shows_at_most_the_global_pins_limit(app, client):
    from forum.discussions.services import reads

    cat = make_category("Many pins", slug="many-pins")
    topics = [make_topic(category=cat, title=f"Everyone must read {i}") for i in range(reads.MAX_GLOBAL_PINS + 2)]
    db.session.execute(update(Topic).where(Topic.id.in_([t.id for t in topics]))
                       .values(is_pinned=True, pinned_globally=True))
    db.session.commit()
    html = client.get("/latest").get_data(as_text=True)
    assert html.count('<tr class="pinned"') == reads.MAX_GLOBAL_PINS


def test_latest_lists_topics_across_categories_by_activity(client):
    a = make_topic(category=make_category("One", slug="one"), title="First category topic")
    b = make_topic(category=make_category("Two", slug="two"), title="Second category topic")
    _set_activity(a, 50)
    _set_activity(b, 40)
    ids = [int(i) for i in TOPIC_ID_RE.findall(client.get("/latest").get_data(as_text=True))]
    assert ids.index(b.id) < ids.index(a.id)
    make_reply(a)
    ids = [int(i) for i in TOPIC_ID_RE.findall(client.get("/latest").get_data(as_text=True))]
    assert ids.index(a.id) < ids.index(b.id)
    html = client.get("/latest").get_data(as_text=True)
    assert "/c/one" in html and "/c/two" in html  # the category column


def test_profile_lists_members_topics_and_replies(client):
    cat = make_category("Chat", slug="chat")
    carla = make_user("carla")
    mine = make_topic(carla, cat, title="Carla asks something")
    other = make_topic(category=cat, title="Someone else asks")
    make_reply(other, carla, body="Carla answers here with care.")
    html = client.get("/u/carla").get_data(as_text=True)
    assert "Carla asks something" in html
    assert "Carla answers here with care." in html
    assert f"/t/{other.slug}/{other.id}/2" in html
    assert mine.title in html and "Someone else asks" in html
