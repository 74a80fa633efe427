"""One oracle for the denormalised counters: every value recomputed from the rows.

The invariants are those of forum/discussions/counters.py (the one owner of the counters),
as ``publish``/``unpublish`` maintain them:

Topics
  * ``post_count``: the topic's published posts, whatever the topic's own state (hiding an
    opening post hides the topic but leaves its published replies counted).
  * post numbers are unique within a topic (the schema's unique constraint says so too).
  * ``highest_post_number``: the highest post number in the topic, counting posts of every
    state. Numbers are never reused (forum/discussions/models.py), so after posts left the
    topic by a split or a merge (recorded in the audit log as ``topic.split``/``topic.merge``
    with the topic as target) it may be higher, never lower.
  * ``last_posted_at``/``last_post_user_id``: ``created_at``/``user_id`` of the topic's
    published post with the highest number; the topic's own ``created_at``/``user_id`` when
    it has none.
  * ``first_official_post_number``/``last_official_post_number``: lowest/highest number of
    its published official posts (None when there is none).

Categories
  * ``topic_count``: its published topics.
  * ``post_count``: the sum of those topics' ``post_count`` (so a hidden topic's posts leave
    the category, though they still count for the topic and their authors).
  * ``last_topic_id``/``last_posted_at``: the published topic with the greatest
    (``last_posted_at``, ``id``), None/None when there is none.

Members
  * ``post_count``: their published posts, whatever the state of the topic (``_bump_user``
    follows the post alone: replies in a hidden topic still count).
  * ``topic_count``: their published topics.

Tags and ideas (issue 15)
  * ``Tag.topic_count``: the topics carrying the tag, whatever their state.
  * ``ideas.vote_count``: the idea's vote rows, whatever its status (votes on shipped or
    declined ideas go back to the members' budgets but still count for the idea).

Expected values are computed from the posts, never from the stored counters, so a wrong
topic also shows up in its category.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import AuditLog
from forum.discussions.models import Category, Post, PostState, Topic
from forum.extensions import db
from forum.ideas.models import Idea, IdeaVote
from forum.interfaces import IntegrityCheck
from forum.registry import contributions
from forum.tags.models import Tag, TopicTag
from tests.conftest import checks

PUBLISHED = PostState.PUBLISHED
POSTS_LEAVE = ("topic.split", "topic.merge")  # audit actions whose target topic loses posts


def counter_mismatches() -> list[str]:
    """Every denormalised value that disagrees with the rows, one line each (empty: all right)."""
    with db.session.no_autoflush:
        return _mismatches()


def assert_invariants(when: str = "") -> None:
    # The product's own checker (``forum check``: every domain's IntegrityCheck) runs too: the
    # two are written independently, so each keeps the other honest.
    with db.session.no_autoflush:
        wrong = counter_mismatches() + [f"forum check ({each.name}): {m}" for each in contributions(IntegrityCheck)
                                        for m in each.check(db.session)]
    if wrong:
        head = f"counters disagree with the rows{' ' + when if when else ''}:"
        raise AssertionError("\n".join([head, *wrong]))


def _rows(*columns: Any) -> list[Any]:
    return list(db.session.execute(select(*columns)))


def _mismatches() -> list[str]:
    posts = _rows(Post.topic_id, Post.post_number, Post.state, Post.created_at, Post.user_id, Post.is_official)
    topics = _rows(Topic.id, Topic.category_id, Topic.user_id, Topic.state, Topic.created_at, Topic.post_count,
                   Topic.highest_post_number, Topic.last_posted_at, Topic.last_post_user_id,
                   Topic.first_official_post_number, Topic.last_official_post_number)
    published: dict[int, list[Any]] = defaultdict(list)
    for p in posts:
        if p.state == PUBLISHED:
            published[p.topic_id].append(p)
    wrong: list[str] = []
    activity = _topic_mismatches(topics, posts, published, wrong)
    _category_mismatches(topics, published, activity, wrong)
    _user_mismatches(topics, posts, wrong)
    _tag_and_vote_mismatches(wrong)
    return wrong


def _topic_mismatches(topics: list[Any], posts: list[Any], published: dict[int, list[Any]],
                      wrong: list[str]) -> dict[int, Any]:
    """Checks every topic; returns each topic's expected ``last_posted_at``."""
    lost_posts = set(db.session.scalars(select(AuditLog.target_id).where(
        AuditLog.target_type == "topic", AuditLog.action.in_(POSTS_LEAVE))))
    numbers: dict[int, list[int]] = defaultdict(list)
    for p in posts:
        numbers[p.topic_id].append(p.post_number)
    activity: dict[int, Any] = {}
    for t in topics:
        mine = sorted(published[t.id], key=lambda p: p.post_number)
        if t.post_count != len(mine):
            wrong.append(f"topic {t.id} post_count {t.post_count} != {len(mine)} published posts")
        taken = numbers[t.id]
        if len(taken) != len(set(taken)):
            twice = sorted(n for n, k in Counter(taken).items() if k > 1)
            wrong.append(f"topic {t.id} post numbers used twice: {twice}")
        highest = max(taken, default=0)
        if t.highest_post_number < highest or (t.highest_post_number != highest and t.id not in lost_posts):
            wrong.append(f"topic {t.id} highest_post_number {t.highest_post_number} != {highest} (highest post "
                         f"number{'; posts left it, so it may be higher' if t.id in lost_posts else ''})")
        last = (mine[-1].created_at, mine[-1].user_id) if mine else (t.created_at, t.user_id)
        activity[t.id] = last[0]
        if (t.last_posted_at, t.last_post_user_id) != last:
            source = f"post {mine[-1].post_number}" if mine else "the topic itself (no published post)"
            wrong.append(f"topic {t.id} last activity {t.last_posted_at}/user {t.last_post_user_id} != "
                         f"{last[0]}/user {last[1]} of {source}")
        official = [p.post_number for p in mine if p.is_official]
        expected = (min(official), max(official)) if official else (None, None)
        if (t.first_official_post_number, t.last_official_post_number) != expected:
            wrong.append(f"topic {t.id} official posts {t.first_official_post_number}..{t.last_official_post_number}"
                         f" != {expected[0]}..{expected[1]}")
    return activity


def _category_mismatches(topics: list[Any], published: dict[int, list[Any]], activity: dict[int, Any],
                         wrong: list[str]) -> None:
    live = [t for t in topics if t.state == PUBLISHED]
    for c in _rows(Category.id, Category.slug, Category.topic_count, Category.post_count,
                   Category.last_topic_id, Category.last_posted_at):
        mine = [t for t in live if t.category_id == c.id]
        n_posts = sum(len(published[t.id]) for t in mine)
        if (c.topic_count, c.post_count) != (len(mine), n_posts):
            wrong.append(f"category {c.slug} topics/posts {c.topic_count}/{c.post_count} != {len(mine)}/{n_posts}")
        latest = max(mine, key=lambda t: (activity[t.id], t.id), default=None)
        expected = (latest.id, activity[latest.id]) if latest else (None, None)
        if (c.last_topic_id, c.last_posted_at) != expected:
            wrong.append(f"category {c.slug} last topic {c.last_topic_id} at {c.last_posted_at} != "
                         f"{expected[0]} at {expected[1]}")


def _user_mismatches(topics: list[Any], posts: list[Any], wrong: list[str]) -> None:
    posts_by: Counter[int] = Counter(p.user_id for p in posts if p.state == PUBLISHED)
    topics_by: Counter[int] = Counter(t.user_id for t in topics if t.state == PUBLISHED)
    for u in _rows(User.id, User.username, User.post_count, User.topic_count):
        if (u.post_count, u.topic_count) != (posts_by[u.id], topics_by[u.id]):
            wrong.append(f"user {u.username} posts/topics {u.post_count}/{u.topic_count} != "
                         f"{posts_by[u.id]}/{topics_by[u.id]}")


def _tag_and_vote_mismatches(wrong: list[str]) -> None:
    carried: Counter[int] = Counter(tag_id for tag_id, in _rows(TopicTag.tag_id))
    for t in _rows(Tag.id, Tag.name, Tag.topic_count):
        if t.topic_count != carried[t.id]:
            wrong.append(f"tag {t.name} topic_count {t.topic_count} != {carried[t.id]} topics carrying it")
    votes: Counter[int] = Counter(topic_id for topic_id, in _rows(IdeaVote.topic_id))
    for i in _rows(Idea.topic_id, Idea.vote_count):
        if i.vote_count != votes[i.topic_id]:
            wrong.append(f"idea {i.topic_id} vote_count {i.vote_count} != {votes[i.topic_id]} votes")


@pytest.fixture(autouse=True)
def invariants_checked(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every counter recomputed from the rows after each request of the test client and at the
    end of the test, for the tests that use the database. A suite opts in by importing this
    fixture into its conftest (discussions, moderation)."""
    if "app" not in request.fixturenames:
        yield
        return
    with checks.registered(assert_invariants):
        yield
