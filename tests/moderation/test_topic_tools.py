"""Moderator topic tools: lock, pin, move, split, merge, edit any post; counters stay right."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.db_types import utcnow
from forum.discussions import permissions as discussion_permissions
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, PostRevision, PostState, Topic
from forum.discussions.services import topic_tools
from forum.errors import PermissionDenied
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.moderation.helpers import audit_actions


def posts_of(topic: Topic) -> list[Post]:
    db.session.expire_all()
    return list(db.session.scalars(select(Post).where(Post.topic_id == topic.id).order_by(Post.post_number)))


def test_lock_and_unlock(app, client, mod, member, category, refused):
    topic = make_topic(member, category)
    client.login("mona")
    assert client.post_form(f"/moderation/topics/{topic.id}/lock").status_code == 302
    db.session.expire_all()
    assert topic.is_locked and not discussion_permissions.can_reply(member, topic)
    with refused():
        topic_tools.lock_topic(mod, topic, True)
    client.post_form(f"/moderation/topics/{topic.id}/unlock")
    db.session.expire_all()
    assert not topic.is_locked
    assert audit_actions("topic", topic.id) == ["topic.lock", "topic.unlock"]


def test_pin_with_expiry_and_unpin(app, client, mod, member, category, refused):
    topic = make_topic(member, category)
    topic_tools.pin_topic(mod, topic, utcnow() + timedelta(days=2))
    listing = discussions.list_topics(member, category=category)
    assert [t.id for t in listing.pinned] == [topic.id]
    # The pin ends by itself once its time has passed.
    topic.pinned_until = utcnow() - timedelta(minutes=1)
    db.session.commit()
    assert discussions.list_topics(member, category=category).pinned == []
    with refused():
        topic_tools.pin_topic(mod, topic, utcnow() - timedelta(days=1))
    client.login("mona")
    client.post_form(f"/moderation/topics/{topic.id}/pin", {"until": ""})
    db.session.expire_all()
    assert topic.is_pinned and topic.pinned_until is None
    client.post_form(f"/moderation/topics/{topic.id}/unpin")
    db.session.expire_all()
    assert not topic.is_pinned
    assert audit_actions("topic", topic.id) == ["topic.pin", "topic.pin", "topic.unpin"]


def test_move_keeps_counters(app, client, mod, member, category, counters_ok):
    target = make_category("Elsewhere")
    topic = make_topic(member, category)
    make_reply(topic, make_user(), "A reply that moves along.")
    make_topic(member, category)  # stays behind
    client.login("mona")
    assert client.post_form(f"/moderation/topics/{topic.id}/move", {"category": target.id}).status_code == 302
    db.session.expire_all()
    assert topic.category_id == target.id
    assert (category.topic_count, category.post_count) == (1, 1)
    assert (target.topic_count, target.post_count) == (1, 2)
    assert target.last_topic_id == topic.id
    assert audit_actions("topic", topic.id) == ["topic.move"]
    counters_ok()


def test_split_moves_replies_into_a_new_topic(app, client, mod, member, category, counters_ok):
    topic = make_topic(member, category, title="Original question")
    replies = [make_reply(topic, make_user(f"u{i}"), f"Reply number {i + 2}.") for i in range(4)]
    # #4 answers #3; both move, so the link follows.
    replies[2].reply_to_post_number = 3
    db.session.commit()
    other = make_category("Off topic")
    client.login("mona")
    response = client.post_form(f"/moderation/topics/{topic.id}/split", {
        "title": "A side discussion", "category": other.id, "post_ids": [replies[1].id, replies[2].id]})
    assert response.status_code == 302
    new = db.session.scalar(select(Topic).where(Topic.title == "A side discussion"))
    moved = posts_of(new)
    assert [(p.id, p.post_number) for p in moved] == [(replies[1].id, 1), (replies[2].id, 2)]
    assert moved[1].reply_to_post_number == 1
    assert new.category_id == other.id and new.user_id == replies[1].user_id and new.post_count == 2
    assert new.highest_post_number == 2 and new.last_posted_at == replies[2].created_at
    left = posts_of(topic)
    assert [p.post_number for p in left] == [1, 2, 5]  # numbers are never reused
    assert topic.post_count == 3 and topic.last_posted_at == replies[3].created_at
    # /p/<id> still leads to the post, now in the new topic.
    location = client.get(f"/p/{replies[2].id}", follow_redirects=False).headers["Location"]
    assert f"/t/{new.slug}/{new.id}" in location and location.endswith("#p2")
    assert audit_actions("topic", topic.id) == ["topic.split"]
    counters_ok()


def test_split_refuses_the_opening_post(app, mod, member, category, refused):
    topic = make_topic(member, category)
    first = posts_of(topic)[0]
    with refused():
        topic_tools.split_topic(mod, topic, [first.id], "A new title here")


# The merged-away topic, left with no post, falls back to its own created_at/user_id (it used to
# keep its old last activity when moderation recounted it).
def test_merge_appends_posts_and_closes_the_source(app, client, mod, member, category, counters_ok):
    target = make_topic(member, category, title="The main thread")
    make_reply(target, make_user(), "Main reply.")
    source = make_topic(make_user("dup"), make_category("Other"), title="A duplicate thread")
    source_replies = [make_reply(source, make_user(), f"Duplicate reply {i}.") for i in range(2)]
    source_first = posts_of(source)[0]
    client.login("mona")
    url = f"/t/{target.slug}/{target.id}"
    response = client.post_form(f"/moderation/topics/{source.id}/merge", {"target": f"https://forum.test{url}"})
    assert response.status_code == 302
    merged = posts_of(target)
    assert [p.post_number for p in merged] == [1, 2, 3, 4, 5]
    assert [p.id for p in merged[2:]] == [source_first.id] + [p.id for p in source_replies]
    db.session.expire_all()
    assert source.state == PostState.DELETED and source.post_count == 0
    assert target.post_count == 5 and target.highest_post_number == 5
    assert target.last_posted_at == source_replies[-1].created_at
    location = client.get(f"/p/{source_first.id}").headers["Location"]
    assert f"/t/{target.slug}/{target.id}" in location and location.endswith("#p3")
    assert db.session.get(Topic, source.id) is not None  # nothing deleted
    assert audit_actions("topic", source.id) == ["topic.merge"]
    counters_ok()


def test_merge_into_itself_is_refused(app, mod, member, category, refused):
    topic = make_topic(member, category)
    with refused():
        topic_tools.merge_topic(mod, topic, topic)
    with refused():
        topic_tools.find_topic_ref("no topic here")


def test_moderators_edit_any_post_with_a_revision_and_an_audit_entry(app, client, mod, member, category):
    topic = make_topic(mod, category)
    reply = make_reply(topic, member, "Call me at 555-1234.")
    client.login("mona")
    response = client.post_form(f"/posts/{reply.id}/edit", {"body": "Call me (number removed).",
                                                            "reason": "privacy"})
    assert response.status_code == 302
    db.session.expire_all()
    assert reply.raw == "Call me (number removed)."
    assert db.session.scalar(select(PostRevision.raw).where(PostRevision.post_id == reply.id)) == \
        "Call me at 555-1234."
    assert audit_actions("post", reply.id) == ["post.edit"]
    # The author editing their own post is not a staff action.
    discussions.edit_post(member, reply, "My own change.")
    assert audit_actions("post", reply.id) == ["post.edit"]


def test_moderators_cannot_touch_admin_topics(app, mod, admin, category):
    topic = make_topic(admin, category)
    with pytest.raises(PermissionDenied):
        topic_tools.lock_topic(mod, topic)
    topic_tools.lock_topic(admin, topic)
    assert topic.is_locked


def test_topic_tools_show_for_moderators_only(app, client, mod, member, category):
    topic = make_topic(member, category)
    make_reply(topic, make_user(), "A reply with a split box.")
    url = f"/t/{topic.slug}/{topic.id}"
    client.login("mario")
    assert "Moderator tools" not in client.get(url).get_data(as_text=True)
    client.post_form("/logout")
    client.login("mona")
    html = client.get(url).get_data(as_text=True)
    assert "Moderator tools" in html and 'form="split-form"' in html
    assert db.session.scalar(select(Category.id).where(Category.id == category.id))
