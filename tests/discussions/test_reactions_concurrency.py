"""Concurrent likes never double-count: members liking, changing and taking back reactions on
one post at the same moment, and one member's double click from two tabs, leave every counter
equal to the rows (SQLite serialises writers; PostgreSQL locks the post's row first)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.discussions import integrity, reactions
from forum.discussions.models import Post, PostReaction
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user
from tests.threads import run_together

pytestmark = pytest.mark.committing  # threads with their own sessions

MEMBERS = 6
ROUNDS = 4


@pytest.fixture
def post(app):
    topic = make_topic(make_user("opener"), make_category("Busy", slug="busy"), title="Everyone reacts at once")
    return make_reply(topic, make_user("author"), "A popular answer.")


def _as(app, user_id, post_id, work):
    with app.test_request_context():
        try:
            work(db.session.get(User, user_id), db.session.get(Post, post_id))
        finally:
            db.session.remove()


def test_likes_changes_and_undos_at_once_keep_every_counter_exact(app, post):
    members = [make_user(f"fan{i}").id for i in range(MEMBERS)]
    post_id = post.id

    def worker(user_id: int) -> None:
        def churn(user, target):
            for i in range(ROUNDS):
                reactions.react(user, target, "heart")
                reactions.react(user, target, "laughing" if i % 2 else "thankful")
                if user_id % 2 or i < ROUNDS - 1:  # half of them end with no reaction
                    reactions.unreact(user, target)
        _as(app, user_id, post_id, churn)

    run_together(worker, [(uid,) for uid in members])
    db.session.expire_all()
    rows = db.session.scalar(select(func.count()).select_from(PostReaction).where(PostReaction.post_id == post_id))
    assert rows == MEMBERS // 2
    assert db.session.get(Post, post_id).reaction_count == rows
    author = db.session.scalar(select(User).where(User.username == "author"))
    assert author.likes_received == rows
    assert integrity.check(db.session) == []


def test_a_double_click_from_two_tabs_counts_once(app, post):
    fan = make_user("clicker").id
    post_id = post.id

    run_together(lambda _n: _as(app, fan, post_id, lambda u, p: reactions.react(u, p, "heart")), [(1,), (2,), (3,)])
    db.session.expire_all()
    assert db.session.get(Post, post_id).reaction_count == 1
    assert db.session.get(User, fan).likes_given == 1
    run_together(lambda _n: _as(app, fan, post_id, reactions.unreact), [(1,), (2,), (3,)])
    db.session.expire_all()
    assert db.session.get(Post, post_id).reaction_count == 0
    assert db.session.get(User, fan).likes_given == 0
    assert integrity.check(db.session) == []
