"""Interleavings and sequences a review found breaking the counters or skipping review.

The "other request" runs in its own app context (its own session) and commits before the
first request goes on with the rows it had loaded, as two concurrent requests would under
READ COMMITTED.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from forum.discussions import counters, integrity
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, PostState, Topic
from forum.events import services as events
from forum.events.models import EventState
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import ReviewItem, ReviewStatus
from forum.settings import set_setting
from tests.factories import event_input, make_category, make_reply, make_topic, make_user


def _other_request(app: Any, action: Any) -> None:
    with app.app_context(), app.test_request_context("/"):
        action()
        db.session.commit()


def test_two_moderators_hiding_the_same_post_count_it_once(app):
    with app.test_request_context("/"):
        mod = make_user("mona", role="moderator")
        post = make_reply(make_topic(make_user("mario"), make_category("Home", slug="home")))
        post_id, mod_id = post.id, mod.id
        assert post.state == PostState.PUBLISHED  # what the first request loaded
        _other_request(app, lambda: moderation.hide_post(db.session.get(type(mod), mod_id),
                                                         db.session.get(Post, post_id), "first"))
        with pytest.raises(counters.StateChanged):
            moderation.hide_post(mod, post, "second")
        db.session.rollback()
        db.session.expire_all()
        assert integrity.check(db.session) == []


def test_a_reply_written_while_its_topic_moves_counts_in_the_new_category(app):
    with app.test_request_context("/"):
        mod, author = make_user("mona", role="moderator"), make_user("mario")
        old, new = make_category("X", slug="x"), make_category("Y", slug="y")
        topic = make_topic(author, old)
        topic_id, mod_id, new_id = topic.id, mod.id, new.id
        assert topic.category_id == old.id  # what the first request loaded
        _other_request(app, lambda: discussions.move_topic(db.session.get(type(mod), mod_id),
                                                           db.session.get(Topic, topic_id),
                                                           db.session.get(Category, new_id)))
        discussions.create_reply(author, topic, "A reply written while the topic moved")
        db.session.expire_all()
        assert integrity.check(db.session) == []
        assert db.session.get(Category, new_id).post_count == 2


def test_approving_a_merged_in_held_post_keeps_the_category_pointer_true(app):
    with app.test_request_context("/"):
        set_setting("first_posts_need_approval", 1)
        db.session.commit()
        mod, newcomer = make_user("mona", role="moderator"), make_user("nuova")
        category = make_category("Home", slug="home")
        held = discussions.create_topic(newcomer, category, "An older held topic", "Written first, held").post
        target = discussions.create_topic(mod, category, "Target topic here", "Target opening post").post.topic
        discussions.create_topic(mod, category, "Another topic here", "Another opening post")
        discussions.create_reply(mod, target, "Latest activity is in the target")
        discussions.merge_topic(mod, held.topic, target)
        moderation.approve_item(mod, moderation.open_item_for_post(held.id))
        db.session.expire_all()
        assert integrity.check(db.session) == []


def test_an_approved_reply_in_an_approval_category_edited_into_spam_is_held_again(app):
    with app.test_request_context("/"):
        mod, veteran = make_user("mona", role="moderator"), make_user("vera")
        topic = make_topic(mod, make_category("Vetted", slug="vetted", approve_replies=True))
        outcome = discussions.create_reply(veteran, topic, "A perfectly fine reply text")
        assert outcome.held
        moderation.approve_item(mod, moderation.open_item_for_post(outcome.post.id))
        discussions.edit_post(veteran, outcome.post, "BUY CHEAP PILLS http://spam.example now now")
        db.session.expire_all()
        assert db.session.get(Post, outcome.post.id).state == PostState.PENDING


def test_bulk_approval_keeps_the_decisions_that_stood(app):
    with app.test_request_context("/"):
        mod = make_user("mona", role="moderator")
        set_setting("first_posts_need_approval", 1)
        set_setting("events_creators", "members")
        db.session.commit()
        newcomer = make_user("nuova")
        held_post = discussions.create_topic(newcomer, make_category("Help", slug="help"), "A held first topic",
                                             "Hello there, my first post.").post
        meetup = events.create_event(newcomer, event_input())
        assert meetup.state == EventState.PENDING
        db.session.get(Category, meetup.category_id).topic_access = "staff"  # its topic can no longer open
        db.session.commit()
        ids = list(db.session.scalars(select(ReviewItem.id).where(ReviewItem.status == ReviewStatus.OPEN)
                                      .order_by(ReviewItem.id)))
        result = moderation.bulk_review(mod, ids, "approve")
        db.session.expire_all()
        assert (result.done, result.skipped) == (1, 1)
        assert db.session.get(Post, held_post.id).state == PostState.PUBLISHED
        assert integrity.check(db.session) == []
