"""A topic page runs the same SQL whatever the number of reactions: one grouped query for the
page's breakdown and one for the reader's own reactions and bookmarks."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import integrity
from forum.discussions.models import Bookmark, PostReaction
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user, opening_post

REACTIONS = ["heart", "thumbs_up", "laughing", "surprised", "thankful"]


@pytest.fixture(params=["visitor", "member"])
def viewer(request, client):
    if request.param == "member":
        make_user("viewer")
        client.login("viewer")
    return request.param


def _queries(client, count_queries, url):
    client.get(url)  # warm-up: caches that fill once per process
    with count_queries() as q:
        assert client.get(url).status_code == 200
    return q.count, q.statements


def _react(posts, reactors, per_post, viewer_id=None):
    """``per_post`` reactions on each post, of every kind, by different members (and the viewer's
    own reaction and bookmark on each post when there is a viewer)."""
    for post in posts:
        for i in range(per_post):
            db.session.add(PostReaction(post_id=post.id, user_id=reactors[i].id, reaction=REACTIONS[i % 5],
                                        created_at=utcnow()))
        if viewer_id:
            db.session.add(PostReaction(post_id=post.id, user_id=viewer_id, reaction="heart", created_at=utcnow()))
            db.session.add(Bookmark(user_id=viewer_id, post_id=post.id, note="n", created_at=utcnow(),
                                    remind_at=utcnow()))
    integrity.repair(db.session)
    db.session.commit()


def test_topic_page_2_vs_20_reactions_on_20_posts(client, count_queries, viewer):
    reactors = [make_user(f"fan{i}") for i in range(20)]
    me = db.session.scalar(select(User.id).where(User.username == "viewer"))
    pages = []
    for name, per_post in (("few", 2), ("many", 20)):
        topic = make_topic(make_user(), make_category(name.title(), slug=name), title=f"Reactions: {name}")
        posts = [opening_post(topic)] + [make_reply(topic, make_user()) for _ in range(19)]
        _react(posts, reactors, per_post, me)
        pages.append(_queries(client, count_queries, f"/t/{topic.slug}/{topic.id}"))
    (small, small_sql), (big, big_sql) = pages
    assert small == big, "\n".join(["FEW:", *small_sql, "MANY:", *big_sql])
    reaction_sql = [s for s in big_sql if "post_reactions" in s]
    assert len(reaction_sql) == (2 if viewer == "member" else 1), reaction_sql


def test_a_page_without_reactions_reads_none(client, count_queries, viewer):
    topic = make_topic(make_user(), make_category("Quiet", slug="quiet"), title="Nobody reacts here")
    for _ in range(5):
        make_reply(topic, make_user())
    _n, sql = _queries(client, count_queries, f"/t/{topic.slug}/{topic.id}")
    assert not [s for s in sql if "GROUP BY post_reactions" in s]


def test_the_who_reacted_page_is_one_query_for_any_number(client, count_queries, viewer):
    reactors = [make_user(f"fan{i}") for i in range(30)]
    topic = make_topic(make_user(), make_category("Who", slug="who"), title="Who reacted here")
    few, many = make_reply(topic, make_user()), make_reply(topic, make_user())
    _react([few], reactors, 1)
    _react([many], reactors, 30)
    small = _queries(client, count_queries, f"/posts/{few.id}/reactions")
    big = _queries(client, count_queries, f"/posts/{many.id}/reactions")
    assert small[0] == big[0], "\n".join(["FEW:", *small[1], "MANY:", *big[1]])
