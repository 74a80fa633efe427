"""Bookmarks: the one-click toggle, a note and a reminder in the member's time zone, the Bookmarks
page (only what the member can still read, keyset-paginated, constant SQL), and reminders sent
once by the job that runs every minute."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update

from forum import jobs
from forum.dates import absolute
from forum.db_types import utcnow
from forum.discussions import bookmarks
from forum.discussions.models import Bookmark, Category, Post, ReadAccess
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.notifications.models import Notification
from forum.notifications.rendering import render
from tests.factories import make_category, make_reply, make_topic, make_user

ROME = ZoneInfo("Europe/Rome")


@pytest.fixture
def post(app):
    topic = make_topic(make_user("anna"), make_category("Coffee", slug="coffee"), title="Descaling the machine")
    return make_reply(topic, make_user("giulia"), "Use citric acid, never vinegar.")


@pytest.fixture
def member(client):
    user = make_user("bruno", timezone="Europe/Rome")
    client.login("bruno")
    return user


def mine(member):
    db.session.expire_all()
    return list(db.session.scalars(select(Bookmark).where(Bookmark.user_id == member.id)))


def test_one_click_bookmarks_and_removes(client, member, post):
    response = client.post_form(f"/posts/{post.id}/bookmark", {"quick": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#p{post.post_number}")
    [kept] = mine(member)
    assert (kept.post_id, kept.note, kept.remind_at) == (post.id, "", None)
    client.post_form(f"/posts/{post.id}/bookmark", {"quick": "1"})  # a second tab: still one
    assert len(mine(member)) == 1
    page = client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True)
    assert f'action="/posts/{post.id}/bookmark/remove"' in page
    client.post_form(f"/posts/{post.id}/bookmark/remove")
    assert mine(member) == []


def test_the_quick_button_keeps_an_existing_note_and_reminder(client, member, post):
    client.post_form(f"/posts/{post.id}/bookmark", {"note": "ask about the filter", "remind": "tomorrow"})
    client.post_form(f"/posts/{post.id}/bookmark", {"quick": "1"})
    [kept] = mine(member)
    assert kept.note == "ask about the filter" and kept.remind_at is not None


@pytest.mark.parametrize(("choice", "expected"), [
    ("hour", datetime(2026, 3, 27, 22, 30, tzinfo=UTC) + timedelta(hours=1)),
    # Friday 27 March 2026, 23:30 in Rome: tomorrow is Saturday 8:00 (CET, UTC+1)...
    ("tomorrow", datetime(2026, 3, 28, 7, 0, tzinfo=UTC)),
    # ... and next week is Monday 30 March 8:00, after the clocks went forward (CEST, UTC+2).
    ("next_week", datetime(2026, 3, 30, 6, 0, tzinfo=UTC)),
    ("", None),
])
def test_reminder_choices_are_read_in_the_members_zone(choice, expected):
    now = datetime(2026, 3, 27, 22, 30, tzinfo=UTC)
    assert bookmarks.reminder_time(choice, zone=ROME, now=now) == expected


def test_a_date_and_time_is_the_members_wall_clock():
    at = bookmarks.reminder_time("custom", zone=ROME, custom=datetime(2026, 7, 1, 9, 15),
                                 now=datetime(2026, 6, 1, tzinfo=UTC))
    assert at == datetime(2026, 7, 1, 7, 15, tzinfo=UTC)
    with pytest.raises(ValidationFailed):  # 2:30 does not exist in Rome on 29 March 2026
        bookmarks.reminder_time("custom", zone=ROME, custom=datetime(2026, 3, 29, 2, 30))
    with pytest.raises(ValidationFailed):
        bookmarks.reminder_time("custom", zone=ROME, custom=None)


def test_a_note_and_a_reminder_from_the_form(client, member, post):
    when = (utcnow() + timedelta(days=3)).astimezone(ROME).replace(second=0, microsecond=0)
    response = client.post_form(f"/posts/{post.id}/bookmark", {
        "note": "  check   the   gasket  ", "remind": "custom", "remind_at": when.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 302
    [kept] = mine(member)
    assert kept.note == "check the gasket" and kept.remind_at == when.astimezone(UTC)
    page = client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True)
    assert f'value="{when.strftime("%Y-%m-%dT%H:%M")}"' in page  # shown back on the member's clock
    assert "check the gasket" in page


def test_a_mistake_lands_on_the_bookmark_page_with_the_text_kept(client, member, post):
    past = (utcnow() - timedelta(days=1)).astimezone(ROME).strftime("%Y-%m-%dT%H:%M")
    response = client.post_form(f"/posts/{post.id}/bookmark", {"note": "kept note", "remind": "custom",
                                                                "remind_at": past})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Choose a time in the future." in html and 'value="kept note"' in html
    assert mine(member) == []
    response = client.post_form(f"/posts/{post.id}/bookmark", {"note": "x" * 201})
    assert response.status_code == 400 and mine(member) == []


def selected_reminder(html, post_id=None):
    """The value of the selected option of the bookmark form's "Remind me" select."""
    select_id = f"bm-remind-{post_id}" if post_id else "remind"
    match = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S)
    assert match, f"no select #{select_id}"
    chosen = [(re.search(r'value="([^"]*)"', attrs).group(1), label)
              for attrs, label in re.findall(r"<option([^>]*)>([^<]*)<", match.group(1)) if " selected" in attrs]
    assert len(chosen) == 1, chosen
    return chosen[0]


def test_editing_the_note_keeps_the_reminder(app, client, member, post):
    when = (utcnow() + timedelta(days=3)).astimezone(ROME).replace(second=0, microsecond=0)
    client.post_form(f"/posts/{post.id}/bookmark", {"note": "first", "remind": "custom",
                                                    "remind_at": when.strftime("%Y-%m-%dT%H:%M")})
    # The Bookmarks page's "Change note or reminder" shows the reminder, kept by default...
    page = client.get(f"/posts/{post.id}/bookmark?next=/bookmarks").get_data(as_text=True)
    with app.test_request_context():
        shown = absolute(when, zone=ROME)  # on the member's clock
    assert selected_reminder(page) == ("keep", f"Keep the reminder ({shown})")
    # ... and saving only a new note keeps it; the flash says the bookmark was updated.
    response = client.post_form(f"/posts/{post.id}/bookmark", {"note": "second", "remind": "keep",
                                                                "next": "/bookmarks"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/bookmarks")
    [kept] = mine(member)
    assert kept.note == "second" and kept.remind_at == when.astimezone(UTC)
    listed = client.get("/bookmarks").get_data(as_text=True)
    assert "Bookmark updated. We will remind you on" in listed and "Bookmarked." not in listed
    # On the topic page the box keeps it too.
    topic_page = client.get(f"/t/{post.topic.slug}/{post.topic_id}").get_data(as_text=True)
    assert selected_reminder(topic_page, post.id)[0] == "keep"
    client.post_form(f"/posts/{post.id}/bookmark", {"note": "third", "remind": "keep"},
                     headers={"X-Requested-With": "fetch"})
    [kept] = mine(member)
    assert kept.note == "third" and kept.remind_at == when.astimezone(UTC)
    # Choosing "No reminder" still removes it.
    client.post_form(f"/posts/{post.id}/bookmark", {"note": "third", "remind": ""})
    [kept] = mine(member)
    assert kept.remind_at is None
    assert "Bookmark updated." in client.get("/bookmarks").get_data(as_text=True)


def test_a_kept_reminder_due_this_minute_is_not_refused(client, member, post):
    bookmark = due(member, post, "gasket", minutes_ago=0)  # the job has not run yet
    response = client.post_form(f"/posts/{post.id}/bookmark", {"note": "new note", "remind": "keep"})
    assert response.status_code == 302
    db.session.refresh(bookmark)
    assert bookmark.note == "new note" and bookmark.remind_at is not None


def test_keep_without_a_reminder_left_means_none(client, member, post):
    client.post_form(f"/posts/{post.id}/bookmark", {"quick": "1"})
    response = client.post_form(f"/posts/{post.id}/bookmark", {"note": "n", "remind": "keep"})
    assert response.status_code == 302
    [kept] = mine(member)
    assert kept.note == "n" and kept.remind_at is None
    assert client.post_form(f"/posts/{post.id}/bookmark", {"remind": "someday"}).status_code == 400


def test_remind_me_starts_on_tomorrow_and_a_bookmark_without_reminder_on_none(client, member, post):
    url = f"/t/{post.topic.slug}/{post.topic_id}"
    page = client.get(url).get_data(as_text=True)
    assert selected_reminder(page, post.id) == ("tomorrow", "Tomorrow morning")
    assert "keep" not in re.search(rf'id="bm-remind-{post.id}".*?</select>', page, re.S).group(0)
    response = client.post_form(f"/posts/{post.id}/bookmark", {"remind": "tomorrow"})
    assert response.status_code == 302
    assert "Bookmarked. We will remind you on" in client.get(url).get_data(as_text=True)
    client.post_form(f"/posts/{post.id}/bookmark", {"remind": ""})
    assert selected_reminder(client.get(url).get_data(as_text=True), post.id)[0] == ""


def test_the_script_gets_the_block_back(client, member, post):
    response = client.post_form(f"/posts/{post.id}/bookmark", {"quick": "1"}, headers={"X-Requested-With": "fetch"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<span class="bookmark-tools" id="bookmark-{post.id}"')
    assert "Remove bookmark" in html


def test_a_member_may_not_bookmark_what_they_cannot_read(client, member):
    staff_room = make_category("Staff room", slug="staff-room", read_access=ReadAccess.STAFF)
    secret = make_topic(make_user("boss", role="admin"), staff_room, title="Staff only business")
    post_id = db.session.scalar(select(Post.id).where(Post.topic_id == secret.id))
    assert client.post_form(f"/posts/{post_id}/bookmark", {"quick": "1"}).status_code == 404
    assert client.get(f"/posts/{post_id}/bookmark").status_code == 404
    assert mine(member) == []


# --- the Bookmarks page ----------------------------------------------------------------------------------

def test_the_page_lists_only_what_the_member_can_still_read(client, member, post, app):
    other = make_reply(post.topic, make_user(), "Another helpful answer.")
    for target in (post, other):
        client.post_form(f"/posts/{target.id}/bookmark", {"note": f"note {target.id}", "remind": "tomorrow"})
    html = client.get("/bookmarks").get_data(as_text=True)
    assert f"note {post.id}" in html and f"note {other.id}" in html and "Descaling the machine" in html
    # The topic moves to a staff-only category: the bookmarks stay, the page stops showing them.
    db.session.execute(update(Category).where(Category.id == post.topic.category_id)
                       .values(read_access=ReadAccess.STAFF))
    db.session.commit()
    html = client.get("/bookmarks").get_data(as_text=True)
    assert "Descaling the machine" not in html and "No bookmarks yet" in html
    assert len(mine(member)) == 2


def test_the_page_walks_every_bookmark_once(client, member, app):
    topic = make_topic(make_user(), make_category("Many", slug="many"), title="A long discussion")
    posts = [make_reply(topic, make_user(), f"Answer number {i}.") for i in range(bookmarks.PER_PAGE + 5)]
    same = utcnow()
    for p in posts:  # equal times: the id breaks the tie
        db.session.add(Bookmark(user_id=member.id, post_id=p.id, note=f"n{p.id}", created_at=same))
    db.session.commit()
    seen: list[int] = []
    url: str | None = "/bookmarks"
    while url:
        html = client.get(url).get_data(as_text=True)
        seen += [int(i) for i in re.findall(r'id="bookmarked-(\d+)"', html)]
        match = re.search(r'rel="next" href="([^"]+)"', html)
        url = match.group(1).replace("&amp;", "&") if match else None
    assert sorted(seen) == sorted(p.id for p in posts) and len(seen) == len(set(seen))


def test_the_page_runs_the_same_queries_for_1_or_20_bookmarks(client, member, count_queries):
    topic = make_topic(make_user(), make_category("Sql", slug="sql"), title="Counting statements")
    posts = [make_reply(topic, make_user(), f"Reply {i} by someone new.") for i in range(20)]

    def measure() -> tuple[int, list[str]]:
        client.get("/bookmarks")
        with count_queries() as q:
            assert client.get("/bookmarks").status_code == 200
        return q.count, q.statements

    db.session.add(Bookmark(user_id=member.id, post_id=posts[0].id, created_at=utcnow()))
    db.session.commit()
    small = measure()
    for p in posts[1:]:
        db.session.add(Bookmark(user_id=member.id, post_id=p.id, note="a note", created_at=utcnow(),
                                remind_at=utcnow() + timedelta(days=1)))
    db.session.commit()
    big = measure()
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])


# --- reminders ------------------------------------------------------------------------------------------

def due(member, post, note="", minutes_ago=5):
    bookmark = Bookmark(user_id=member.id, post_id=post.id, note=note, created_at=utcnow(),
                        remind_at=utcnow() - timedelta(minutes=minutes_ago))
    db.session.add(bookmark)
    db.session.commit()
    return bookmark


def reminders(member):
    db.session.expire_all()
    return list(db.session.scalars(select(Notification).where(Notification.user_id == member.id,
                                                              Notification.kind == "bookmark_reminder")))


def test_a_due_reminder_is_sent_once(app, member, post, outbox):
    bookmark = due(member, post, "check the gasket")
    later = Bookmark(user_id=member.id, post_id=make_reply(post.topic, make_user()).id, created_at=utcnow(),
                     remind_at=utcnow() + timedelta(hours=2))
    db.session.add(later)
    db.session.commit()
    with app.test_request_context():
        assert bookmarks.send_due_reminders() == 1
        jobs.run_pending()
        assert bookmarks.send_due_reminders() == 0  # the job again (the next minute, or after a crash)
        jobs.run_pending()
    [notice] = reminders(member)
    with app.test_request_context():
        assert render(notice) == "Reminder about “Descaling the machine”: check the gasket"
    assert notice.url == f"/t/{post.topic.slug}/{post.topic_id}/{post.post_number}" and notice.post_id == post.id
    db.session.refresh(bookmark)
    assert bookmark.reminded_at is not None and bookmark.remind_at is None
    assert db.session.get(Bookmark, later.id).reminded_at is None
    mailed = [m for m in outbox if m.to == ["bruno@example.com"] or "bruno@example.com" in str(m.to)]
    assert len(mailed) == 1 and "Descaling the machine" in mailed[0].subject  # delivered by mail by default


def test_a_new_reminder_on_the_same_bookmark_is_sent_again(app, member, post, client):
    due(member, post)
    with app.test_request_context():
        bookmarks.send_due_reminders()
    client.post_form(f"/posts/{post.id}/bookmark", {"remind": "hour"})
    [kept] = mine(member)
    assert kept.reminded_at is None and kept.remind_at is not None
    with app.test_request_context():
        assert bookmarks.send_due_reminders(now=utcnow() + timedelta(hours=2)) == 1
    assert len(reminders(member)) == 2


def test_no_reminder_about_a_post_the_member_lost_access_to(app, member, post):
    bookmark = due(member, post)
    db.session.execute(update(Category).where(Category.id == post.topic.category_id)
                       .values(read_access=ReadAccess.STAFF))
    db.session.commit()
    with app.test_request_context():
        assert bookmarks.send_due_reminders() == 0
    assert reminders(member) == []
    assert db.session.get(Bookmark, bookmark.id).reminded_at is not None  # claimed: not tried every minute


def test_the_job_runs_every_minute_through_the_queue(app, member, post):
    from forum.jobs.transport import _PERIODIC

    assert any(p.name == bookmarks.REMINDER_JOB and p.when == {"minute": "*"}
               for p in app.extensions[_PERIODIC])
    due(member, post)
    with app.test_request_context():
        jobs.enqueue(bookmarks.REMINDER_JOB, {})
        db.session.commit()
        jobs.run_pending()
    assert len(reminders(member)) == 1


def test_batches_cover_every_due_reminder(app, post):
    members = [make_user(f"reader{i}") for i in range(7)]
    for m in members:
        due(m, post)
    with app.test_request_context():
        assert bookmarks.send_due_reminders(batch=3) == 7
    assert all(len(reminders(m)) == 1 for m in members)
