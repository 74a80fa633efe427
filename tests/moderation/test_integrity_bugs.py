"""The three data bugs of the structure review, reproduced as a person would meet them.

1. Counters had three writers that disagreed: hide an opening post, move another topic into
   its category, restore the post, and the category counted 6 posts where there were 4.
2. A held post could miss the review queue: when recording its review item failed, the post
   stayed pending with no item, invisible to every moderator.
3. Edits bypassed moderation: a held post, once approved, could be edited into spam and
   published without review; a new member's meetup was published at once.
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from sqlalchemy import event, func, select

from forum.db_types import utcnow
from forum.discussions import integrity
from forum.discussions.models import Category, Post, PostState, Topic
from forum.events.models import Event, EventState
from forum.extensions import db
from forum.moderation.models import ReviewItem, ReviewKind, ReviewStatus
from forum.settings import set_setting
from tests.factories import make_category, make_reply, make_topic


def _open_items(**where: Any) -> list[ReviewItem]:
    query = select(ReviewItem).where(ReviewItem.status == ReviewStatus.OPEN)
    for column, value in where.items():
        query = query.where(getattr(ReviewItem, column) == value)
    return list(db.session.scalars(query))


def test_hide_move_restore_keeps_the_category_counts_true(app, client, mod, member):
    home, elsewhere = make_category("Home", slug="home"), make_category("Elsewhere", slug="elsewhere")
    topic = make_topic(member, home, title="Three posts live here")
    make_reply(topic), make_reply(topic)
    visitor = make_topic(member, elsewhere, title="A topic that moves in")
    opening = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))
    client.login("mona")

    assert client.post_form(f"/moderation/posts/{opening.id}/hide", {"reason": "checking"}).status_code == 302
    assert client.post_form(f"/moderation/topics/{visitor.id}/move",
                            {"category": str(home.id)}).status_code == 302
    assert client.post_form(f"/moderation/posts/{opening.id}/restore").status_code == 302

    db.session.expire_all()
    home = db.session.get(Category, home.id)
    assert (home.topic_count, home.post_count) == (2, 4)
    assert integrity.check(db.session) == []


def test_a_held_post_whose_review_item_cannot_be_stored_is_not_stored_either(app, client, member):
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    category = make_category("Questions", slug="questions")
    before = db.session.scalar(select(func.count()).select_from(Post))

    def refuse(*args: Any) -> None:
        raise RuntimeError("review item storage is down")

    event.listen(ReviewItem, "before_insert", refuse)
    try:
        client.login("mario")
        app.config["PROPAGATE_EXCEPTIONS"] = False  # the visitor sees the error page, as in production
        response = client.post_form("/new-topic", {"category": str(category.id), "title": "My very first question",
                                                   "body": "Hello, how do I descale the machine?"})
    finally:
        event.remove(ReviewItem, "before_insert", refuse)
    assert response.status_code == 500
    db.session.expire_all()
    # Nothing half-written: no pending post that no moderator can see.
    assert db.session.scalar(select(func.count()).select_from(Post)) == before
    assert db.session.scalar(select(func.count()).select_from(Topic).where(Topic.category_id == category.id)) == 0


def test_an_approved_first_post_edited_into_spam_goes_back_to_review(app, client, mod, member):
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    category = make_category("Help", slug="help")
    client.login("mario")
    client.post_form("/new-topic", {"category": str(category.id), "title": "Hello from a new member",
                                    "body": "A perfectly harmless first post."})
    post = db.session.scalar(select(Post).where(Post.user_id == member.id))
    assert post.state == PostState.PENDING
    [item] = _open_items(post_id=post.id)
    client.post_form("/logout")
    client.login("mona")
    assert client.post_form(f"/review/{item.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).state == PostState.PUBLISHED
    client.post_form("/logout")

    client.login("mario")
    response = client.post_form(f"/posts/{post.id}/edit", {"body": "BUY CHEAP WATCHES at https://spam.example",
                                                       "title": "Hello from a new member"})
    assert response.status_code == 302
    db.session.expire_all()
    edited = db.session.get(Post, post.id)
    assert edited.raw.startswith("BUY CHEAP WATCHES")  # the text is kept...
    assert edited.state == PostState.PENDING           # ...but not published
    [again] = _open_items(post_id=post.id)
    assert again.kind == ReviewKind.TOPIC
    assert "BUY CHEAP" not in client.get(f"/t/{edited.topic.slug}/{edited.topic_id}").get_data(as_text=True) \
        or edited.state == PostState.PENDING
    client.post_form("/logout")
    assert "BUY CHEAP" not in client.get(f"/t/{edited.topic.slug}/{edited.topic_id}").get_data(as_text=True)


def test_a_new_members_meetup_waits_for_review_like_their_posts(app, client, mod, member):
    set_setting("first_posts_need_approval", 1)
    set_setting("events_creators", "members")
    db.session.commit()
    day = (utcnow() + timedelta(days=10)).date().isoformat()
    client.login("mario")
    response = client.post_form("/events/new", {
        "title": "Spam meetup for cheap watches", "description": "Come and buy watches.",
        "timezone": "Europe/Rome", "start_date": day, "start_time": time(19, 0).strftime("%H:%M"),
        "end_date": day, "end_time": "21:00", "capacity": "", "visibility": "public",
        "attendee_visibility": "public"})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    meetup = db.session.scalar(select(Event).where(Event.created_by_id == member.id))
    assert meetup is not None and meetup.state == EventState.PENDING
    assert meetup.topic_id is None  # its discussion opens only once a moderator approves it
    [item] = _open_items(kind=ReviewKind.EVENT)
    assert item.subject_id == meetup.id
    client.post_form("/logout")
    assert client.get("/events").get_data(as_text=True).count("Spam meetup") == 0
    client.login("mona")
    assert "Spam meetup for cheap watches" in client.get("/review").get_data(as_text=True)
    assert client.post_form(f"/review/{item.id}/approve").status_code == 302
    db.session.expire_all()
    meetup = db.session.get(Event, meetup.id)
    assert meetup.state == EventState.SCHEDULED and meetup.topic_id is not None
    # The moderator approved the meetup: its discussion opens at once, not held a second time.
    opening = db.session.scalar(select(Post).where(Post.topic_id == meetup.topic_id, Post.post_number == 1))
    assert opening.state == PostState.PUBLISHED
    assert _open_items() == []
