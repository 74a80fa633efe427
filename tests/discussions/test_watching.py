"""Notification levels and read state (forum.discussions.watching): the rules, one owner."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions import watching
from forum.discussions.models import NotificationLevel as Level
from forum.discussions.models import Topic, TopicMember
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.threads import run_together


def _row(user: User, topic: Topic) -> TopicMember | None:
    db.session.expire_all()
    return db.session.get(TopicMember, (user.id, topic.id))


def _watchers(topic: Topic, *, first_post: bool = False) -> set[int]:
    return set(db.session.scalars(watching.watchers_query(topic, first_post=first_post)))


def test_level_defaults_to_normal_then_category_then_topic(app):
    member = make_user()
    category = make_category()
    topic = make_topic(make_user(), category)
    assert watching.topic_level(member, topic) == Level.NORMAL
    watching.set_category_level(member, category, Level.TRACKING)
    assert watching.topic_level(member, topic) == Level.TRACKING
    assert watching.topic_reading(member, topic).reason == watching.FROM_CATEGORY
    watching.set_category_level(member, category, Level.WATCHING_FIRST_POST)
    assert watching.topic_level(member, topic) == Level.NORMAL  # first post only: later posts are normal
    watching.set_category_level(member, category, Level.MUTED)
    assert watching.topic_level(member, topic) == Level.MUTED
    watching.set_topic_level(member, topic, Level.WATCHING)
    reading = watching.topic_reading(member, topic)
    assert (reading.level, reading.reason) == (Level.WATCHING, watching.CHOSEN)
    watching.set_category_level(member, category, Level.NORMAL)
    assert watching.category_level(member, category) == Level.NORMAL


def test_creating_watches_and_replying_tracks(app):
    author, replier = make_user(), make_user()
    topic = make_topic(author)
    assert (_row(author, topic).level, _row(author, topic).level_reason) == (Level.WATCHING, watching.CREATED)
    assert _row(author, topic).last_read_post_number == 1
    reply = make_reply(topic, replier)
    row = _row(replier, topic)
    assert (row.level, row.level_reason, row.last_read_post_number) == (Level.TRACKING, watching.REPLIED,
                                                                         reply.post_number)
    # The author replying to their own topic stays watching (never lowered).
    make_reply(topic, author)
    assert _row(author, topic).level == Level.WATCHING


def test_defaults_never_override_a_chosen_level_nor_a_watched_category(app):
    member = make_user()
    topic = make_topic(make_user())
    watching.set_topic_level(member, topic, Level.MUTED)
    make_reply(topic, member)
    assert _row(member, topic).level == Level.MUTED
    watched = make_category()
    watching.set_category_level(member, watched, Level.WATCHING)
    other = make_topic(make_user(), watched)
    make_reply(other, member)
    assert _row(member, other).level is None  # the category's watching applies, not tracking
    assert watching.topic_level(member, other) == Level.WATCHING


def test_defaults_follow_the_members_preferences(app):
    member = make_user()
    member.notification_prefs = {"auto_watch_created": False, "auto_track_replied": False}
    db.session.commit()
    topic = make_topic(member)
    assert _row(member, topic).level is None and _row(member, topic).last_read_post_number == 1
    other = make_topic(make_user())
    make_reply(other, member)
    assert watching.topic_level(member, other) == Level.NORMAL


def test_watchers_query(app):
    category = make_category()
    topic = make_topic(make_user(), category)
    author = db.session.get(User, topic.user_id)
    topic_watcher, cat_watcher, first_post_watcher, lowered, muted = (make_user() for _ in range(5))
    watching.set_topic_level(topic_watcher, topic, Level.WATCHING)
    watching.set_category_level(cat_watcher, category, Level.WATCHING)
    watching.set_category_level(first_post_watcher, category, Level.WATCHING_FIRST_POST)
    watching.set_category_level(lowered, category, Level.WATCHING)
    watching.set_topic_level(lowered, topic, Level.TRACKING)
    watching.set_topic_level(muted, topic, Level.MUTED)
    watching.set_category_level(muted, category, Level.WATCHING)
    assert _watchers(topic) == {author.id, topic_watcher.id, cat_watcher.id}
    assert _watchers(topic, first_post=True) == {author.id, topic_watcher.id, cat_watcher.id, first_post_watcher.id}
    # Pages by user id, as the fan-out does.
    query = watching.watchers_query(topic, first_post=True)
    user_id = query.selected_columns.user_id
    first = list(db.session.scalars(query.order_by(user_id).limit(2)))
    rest = list(db.session.scalars(query.where(user_id > first[-1]).order_by(user_id)))
    assert sorted(first + rest) == sorted(_watchers(topic, first_post=True))


def test_mark_read_never_goes_back_and_is_clamped(app):
    member = make_user()
    topic = make_topic(make_user())
    for _ in range(4):
        make_reply(topic)
    watching.mark_read(member, topic, 3)
    watching.mark_read(member, topic, 2)
    assert _row(member, topic).last_read_post_number == 3
    watching.mark_read(member, topic, 99)
    assert _row(member, topic).last_read_post_number == 5
    assert _row(member, topic).level is None  # reading sets no level


def test_mark_read_is_one_statement(app, count_queries):
    member = make_user()
    topic = make_topic(make_user())
    assert member.id and topic.highest_post_number == 1  # loaded before counting
    with count_queries() as q:
        watching.mark_read(member, topic, 1, commit=False)
    assert q.count == 1, q.statements


def test_unread_counts_count_published_posts_after_the_read_position(app):
    member = make_user()
    read, unopened = make_topic(make_user()), make_topic(make_user())
    for _ in range(3):
        make_reply(read)
    watching.mark_read(member, read, 2)
    assert watching.unread_counts(member, [read.id, unopened.id]) == {read.id: 2}


@pytest.mark.committing  # threads with their own sessions
def test_concurrent_mark_read_keeps_the_highest(app):
    member = make_user()
    topic = make_topic(make_user())
    for _ in range(8):
        make_reply(topic)
    member_id, topic_id = member.id, topic.id

    def read(number: int) -> None:
        with app.app_context():
            watching.mark_read(db.session.get(User, member_id), db.session.get(Topic, topic_id), number)
            db.session.remove()

    for _ in range(3):
        run_together(read, [(n,) for n in (9, 4, 7, 2, 6, 3)])
    db.session.expire_all()
    assert db.session.scalar(select(TopicMember.last_read_post_number).where(
        TopicMember.user_id == member_id, TopicMember.topic_id == topic_id)) == 9


def test_unread_counts_stop_at_the_cap(app, monkeypatch):
    monkeypatch.setattr(watching, "UNREAD_CAP", 3)
    member = make_user()
    topic = make_topic(make_user())
    for _ in range(5):
        make_reply(topic)
    watching.mark_read(member, topic, 1)
    assert watching.unread_counts(member, [topic.id]) == {topic.id: 3}
    state = watching.read_states(member, [topic], since=None)[topic.id]
    assert (state.unread, state.unread_label) == (3, "2+")
