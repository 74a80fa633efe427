"""Read state costs no query per topic: Latest, a category's page, /new and /unread run the same
number of SQL statements for 3 topics as for 30, each with every topic tracked and unread (or
new), and the topic page's reading state is one query."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions import watching
from forum.discussions.models import Category, NotificationLevel, Topic
from forum.extensions import db
from tests.factories import make_category, make_reply, make_topic, make_user


@pytest.fixture
def member(client: Any) -> User:
    user = make_user("reader")
    then = utcnow() - timedelta(days=2)
    db.session.execute(update(User).where(User.id == user.id)
                       .values(previous_visit_at=then, created_at=then - timedelta(days=1)))
    db.session.commit()
    client.login("reader")
    return user


def _queries(client: Any, count_queries: Any, url: str) -> tuple[int, list[str], str]:
    client.get(url)  # warm-up
    with count_queries() as q:
        response = client.get(url)
    assert response.status_code == 200
    return q.count, q.statements, response.get_data(as_text=True)


def _topics(member: User, category: Category, n: int, *, followed: bool) -> list[Topic]:
    """``n`` topics by distinct authors; ``followed``: the member tracks each (a reply) and
    each has an unread post after it; otherwise they are new to the member."""
    topics = []
    for i in range(n):
        topic = make_topic(make_user(), category, title=f"Topic {category.slug} {i}")
        if followed:
            make_reply(topic, member)
            make_reply(topic, make_user())
        topics.append(topic)
    return topics


def _compare(client: Any, count_queries: Any, member: User, url: Callable[[Category], str], *,
             followed: bool, badge: str) -> None:
    small_cat, big_cat = make_category("Three", slug="three"), make_category("Thirty", slug="thirty")
    _topics(member, small_cat, 3, followed=followed)
    small = _queries(client, count_queries, url(small_cat))
    _topics(member, big_cat, 30, followed=followed)
    big = _queries(client, count_queries, url(big_cat))
    assert len(re.findall(badge, small[2])) >= 3 and len(re.findall(badge, big[2])) >= 25, "the badges are shown"
    assert small[0] == big[0], "\n".join(["SMALL:", *small[1], "BIG:", *big[1]])


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"TOPICS_PER_PAGE": 30}


def test_latest_3_vs_30_tracked_unread_topics(client, count_queries, member):
    _compare(client, count_queries, member, lambda c: "/latest", followed=True, badge=r'class="tag unread"')


def test_category_3_vs_30_tracked_unread_topics(client, count_queries, member):
    _compare(client, count_queries, member, lambda c: f"/c/{c.slug}", followed=True, badge=r'class="tag unread"')


def test_new_3_vs_30_topics(client, count_queries, member):
    _compare(client, count_queries, member, lambda c: "/new", followed=False, badge=r'class="tag new"')


def test_unread_3_vs_30_topics(client, count_queries, member):
    _compare(client, count_queries, member, lambda c: "/unread", followed=True, badge=r'class="tag unread"')


def test_the_read_state_is_one_query_and_muting_rides_in_the_listing(client, count_queries, member):
    """The page's read state is one query; what the member muted is left out by the listing's
    own statements (pins and the walk), whatever they muted."""
    _topics(member, make_category("Some", slug="some"), 5, followed=True)
    count, statements, _html = _queries(client, count_queries, "/latest")
    assert len([s for s in statements if "LEFT OUTER JOIN topic_members" in s]) == 1, statements
    listing = [s for s in statements if s.startswith("SELECT topics.") and "FROM topics" in s
               and "LEFT OUTER JOIN topic_members" not in s]
    assert listing and all("NOT IN (SELECT topic_members.topic_id" in s for s in listing), listing
    watching.set_category_level(member, make_category("Muted", slug="muted"), NotificationLevel.MUTED)
    watching.set_topic_level(member, make_topic(make_user()), NotificationLevel.MUTED)
    assert _queries(client, count_queries, "/latest")[0] == count
