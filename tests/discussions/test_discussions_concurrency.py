"""Concurrent replies to one topic get distinct, consecutive post numbers and exact counters.

Runs on both backends: SQLite serialises writers (busy timeout), PostgreSQL locks the topic
row while a reply takes its number.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.discussions import services
from forum.discussions.models import Post, Topic
from forum.extensions import db
from tests.factories import make_category, make_topic, make_user
from tests.threads import run_together

THREADS = 6
REPLIES_EACH = 4


@pytest.mark.committing  # threads with their own sessions
def test_concurrent_replies_get_distinct_consecutive_numbers(app, counters_ok):
    category = make_category("Busy", slug="busy")
    topic = make_topic(make_user(), category, title="Everyone replies at once")
    authors = [make_user() for _ in range(THREADS)]
    topic_id, author_ids = topic.id, [a.id for a in authors]

    def worker(user_id: int) -> None:
        with app.app_context():
            for i in range(REPLIES_EACH):
                user = db.session.get(User, user_id)
                t = db.session.get(Topic, topic_id)
                services.create_reply(user, t, f"Reply {i} from user {user_id}, all at once.")
            db.session.remove()

    run_together(worker, [(uid,) for uid in author_ids])
    db.session.expire_all()
    numbers = sorted(db.session.scalars(select(Post.post_number).where(Post.topic_id == topic_id)))
    total = 1 + THREADS * REPLIES_EACH
    assert numbers == list(range(1, total + 1))
    topic = db.session.get(Topic, topic_id)
    assert topic.highest_post_number == total and topic.post_count == total
    assert category.post_count == total
    counters_ok()
