"""Slow mode (member vs staff, per topic and per category, the time left), topic timers (due,
idempotent, cancelled, hiding never deletes) and locked categories."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from forum import jobs
from forum.audit.models import AuditLog
from forum.crisis import categories, slow_mode, timers
from forum.crisis.models import TopicTimer
from forum.db_types import utcnow
from forum.discussions.models import Post, PostState, Topic
from forum.errors import ValidationFailed
from forum.extensions import db
from tests.factories import make_category, make_reply, make_staff, make_topic, make_user


@pytest.fixture
def world(app):
    category = make_category("Recalls", slug="recalls")
    topic = make_topic(make_user("mia"), category, title="The recall of the Moka Pro")
    member = make_user("rob")
    moderator = make_user("mod", role="moderator")
    staffer = make_staff("sam")
    return category, topic, member, moderator, staffer


def _reply(client, topic, body):
    return client.post_form(f"/t/{topic.id}/reply", {"body": body})


def _posts_by(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Post).where(Post.user_id == user.id)) or 0


def test_manager_starts_slow_mode_and_a_quick_second_reply_is_refused(app, client, world):
    _category, topic, member, _moderator, _staffer = world
    client.login("mod")
    assert client.get(f"/t/{topic.id}/crisis").status_code == 200
    assert client.post_form(f"/t/{topic.id}/slow-mode", {"action": "start", "seconds": "120", "until": ""}
                            ).status_code == 302
    client.post_form("/logout")
    client.login("rob")
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "Slow mode is on: each member may post once every 2 minutes." in page
    assert _reply(client, topic, "My first answer about the recall.").status_code == 302
    refused = _reply(client, topic, "And a second thought, written quickly.")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Slow mode: you can post again in 2 minutes." in text or "Slow mode: you can post again in 120 seconds" \
        in text
    assert "And a second thought, written quickly." in text  # kept in the form
    assert _posts_by(member) == 1
    assert db.session.scalar(select(AuditLog).where(AuditLog.action == "crisis.slow_mode_start")) is not None


def test_remaining_time_counts_down_from_the_last_post(app, world):
    _category, topic, member, moderator, _staffer = world
    slow_mode.start(moderator, 60, None, topic=topic)
    post = make_reply(topic, member)
    applying = slow_mode.for_topic(topic)
    assert applying is not None and applying.seconds == 60
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=utcnow() - timedelta(seconds=18)))
    db.session.commit()
    left = slow_mode.seconds_left(member, applying, topic_id=topic.id, category_id=topic.category_id)
    assert 41 <= left <= 42
    with app.test_request_context():
        assert slow_mode.wait_message(42) == "Slow mode: you can post again in 42 seconds."
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=utcnow() - timedelta(seconds=61)))
    db.session.commit()
    assert slow_mode.seconds_left(member, applying, topic_id=topic.id, category_id=topic.category_id) == 0


def test_staff_are_exempt(app, client, world):
    _category, topic, _member, moderator, staffer = world
    slow_mode.start(moderator, 300, None, topic=topic)
    client.login("sam")
    assert _reply(client, topic, "The official answer, part one.").status_code == 302
    assert _reply(client, topic, "The official answer, part two.").status_code == 302
    assert _posts_by(staffer) == 2


def test_category_slow_mode_covers_new_topics_and_replies(app, client, world):
    category, topic, _member, moderator, _staffer = world
    slow_mode.start(moderator, 90, None, category=category)
    client.login("rob")
    assert _reply(client, topic, "A reply in the slowed category.").status_code == 302
    refused = client.post_form("/new-topic", {"category": str(category.id), "title": "A brand new question here",
                                             "body": "Is my kettle part of the recall?"})
    assert refused.status_code == 400 and "Slow mode: you can post again in" in refused.get_data(as_text=True)
    assert "Is my kettle part of the recall?" in refused.get_data(as_text=True)
    other = make_topic(make_user(), make_category("Other", slug="other"), title="Elsewhere no slow mode")
    assert _reply(client, other, "Elsewhere I may post at once.").status_code == 302


def test_slow_mode_until_a_time_and_stop(app, world):
    _category, topic, _member, moderator, _staffer = world
    row = slow_mode.start(moderator, 60, utcnow() + timedelta(minutes=5), topic=topic)
    assert slow_mode.for_topic(topic) is not None
    assert slow_mode.for_topic(topic, utcnow() + timedelta(minutes=6)) is None
    assert row.id and slow_mode.stop(moderator, topic=topic)
    assert slow_mode.for_topic(topic) is None


def test_members_cannot_manage_slow_mode(app, client, world):
    _category, topic, _member, _moderator, _staffer = world
    client.login("rob")
    assert client.get(f"/t/{topic.id}/crisis").status_code == 403
    assert client.post_form(f"/t/{topic.id}/slow-mode", {"action": "start", "seconds": "60"}).status_code == 403


# --- timers ---------------------------------------------------------------------------------------------

def _due(timer: TopicTimer) -> None:
    db.session.execute(update(TopicTimer).where(TopicTimer.id == timer.id)
                       .values(run_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()


def test_close_timer_runs_once_and_shows_on_the_topic(app, client, world):
    _category, topic, _member, moderator, _staffer = world
    timer = timers.add_timer(moderator, topic, "close", utcnow() + timedelta(hours=3, minutes=1))
    page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "This topic will close in 3 hours" in page
    assert timers.run_due() == 0  # not due yet
    _due(timer)
    assert timers.run_due() == 1
    assert timers.run_due() == 0  # idempotent: a second run does nothing
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).is_locked
    assert db.session.get(TopicTimer, timer.id).outcome == "done"


def test_open_unpin_and_cancel(app, world):
    _category, topic, _member, moderator, _staffer = world
    topic.is_locked, topic.is_pinned = True, True
    db.session.commit()
    opening = timers.add_timer(moderator, topic, "open", utcnow() + timedelta(hours=1))
    unpin = timers.add_timer(moderator, topic, "unpin", utcnow() + timedelta(hours=1))
    cancelled = timers.add_timer(moderator, topic, "close", utcnow() + timedelta(hours=1))
    assert timers.cancel_timer(moderator, cancelled)
    for timer in (opening, unpin, cancelled):
        _due(timer)
    assert timers.run_due() == 2
    db.session.expire_all()
    fresh = db.session.get(Topic, topic.id)
    assert not fresh.is_locked and not fresh.is_pinned
    assert db.session.get(TopicTimer, cancelled.id).done_at is None


def test_hide_old_replies_hides_never_deletes(app, world):
    _category, topic, member, moderator, _staffer = world
    old = make_reply(topic, member, "An old heated reply.")
    new = make_reply(topic, member, "A fresh calm reply.")
    db.session.execute(update(Post).where(Post.id == old.id).values(created_at=utcnow() - timedelta(hours=5)))
    db.session.commit()
    timer = timers.add_timer(moderator, topic, "hide_replies", utcnow() + timedelta(minutes=1), older_than_hours=2)
    _due(timer)
    assert timers.run_due() == 1
    db.session.expire_all()
    assert db.session.get(Post, old.id).state == PostState.HIDDEN
    assert db.session.get(Post, new.id).state == PostState.PUBLISHED
    in_topic = select(func.count()).select_from(Post).where(Post.topic_id == topic.id)
    assert db.session.scalar(in_topic) == 3  # none removed


def test_timer_validation_and_the_periodic_job(app, world):
    _category, topic, _member, moderator, _staffer = world
    with pytest.raises(ValidationFailed):
        timers.add_timer(moderator, topic, "close", utcnow() - timedelta(minutes=1))
    timer = timers.add_timer(moderator, topic, "close", utcnow() + timedelta(minutes=1))
    _due(timer)
    jobs.enqueue(timers.RUN_JOB, {})
    db.session.commit()
    jobs.run_pending()
    db.session.expire_all()
    assert db.session.get(Topic, topic.id).is_locked


# --- locked category -------------------------------------------------------------------------------------

def test_locked_category_members_cannot_post_staff_can(app, client, world):
    category, topic, _member, moderator, _staffer = world
    client.login("mod")
    assert client.post_form(f"/c/{category.slug}/lock", {"action": "lock"}).status_code == 302
    client.post_form("/logout")
    client.login("rob")
    page = client.get(f"/c/{category.slug}").get_data(as_text=True)
    assert "This category is locked" in page
    topic_page = client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)
    assert "This category is locked" in topic_page and 'id="reply-form"' not in topic_page
    posts_before = db.session.scalar(select(func.count()).select_from(Post).where(Post.topic_id == topic.id))
    assert _reply(client, topic, "Members cannot reply in a locked category.").status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.topic_id == topic.id)) == posts_before
    assert db.session.scalar(select(Post).where(Post.raw == "Members cannot reply in a locked category.")) is None
    client.post_form("/logout")
    client.login("sam")
    assert _reply(client, topic, "Staff still answer in a locked category.").status_code == 302
    assert categories.set_locked(moderator, category, False)
    assert {"crisis.category_lock", "crisis.category_unlock"} <= set(db.session.scalars(select(AuditLog.action)))
