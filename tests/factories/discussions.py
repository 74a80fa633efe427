"""Categories, topics and replies, made through the discussion services (counters included)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update

from forum.accounts.models import User
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, PostState, Topic
from forum.extensions import db

from .accounts import make_user, sequence


def make_category(name: str | None = None, **fields: Any) -> Category:
    n = next(sequence)
    name = name or f"Category {n}"
    category = Category(name=name, slug=fields.pop("slug", f"category-{n}"), position=n, **fields)
    db.session.add(category)
    db.session.commit()
    return category


def make_topic(author: User | None = None, category: Category | None = None, *, title: str | None = None,
               body: str = "Hello everyone, this is the first post.") -> Topic:
    author = author or make_user()
    category = category or make_category()
    outcome = discussions.create_topic(author, category, title or f"Topic number {next(sequence)}", body)
    return outcome.post.topic


def make_reply(topic: Topic, author: User | None = None, body: str = "A reply with some words.") -> Post:
    author = author or make_user()
    return discussions.create_reply(author, topic, body).post


def opening_post(topic: Topic) -> Post:
    """The topic's post number 1."""
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == 1))
    assert post is not None, f"topic {topic.id} has no opening post"
    return post


def category_by_slug(slug: str) -> Category:
    """One of the default categories (``announcements``, ``general``, ``support``)."""
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    assert category is not None, f"no category {slug!r}"
    return category


def support_category() -> Category:
    return category_by_slug("support")


def general_category() -> Category:
    return category_by_slug("general")


def set_topic_activity(topic: Topic, at: datetime) -> None:
    """Move a topic's latest activity to ``at``, as if its latest published post had been
    written then: the post, the topic and its category agree afterwards (tests of ordering
    need old activity; the counter checks need it consistent)."""
    latest = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.state == PostState.PUBLISHED)
                               .order_by(Post.post_number.desc()).limit(1))
    assert latest is not None, "the topic has no published post"
    latest.created_at = at
    if latest.post_number == 1:
        db.session.execute(update(Topic).where(Topic.id == topic.id).values(created_at=at))
    db.session.execute(update(Topic).where(Topic.id == topic.id)
                       .values(last_posted_at=at, last_post_user_id=latest.user_id))
    db.session.flush()
    newest = db.session.execute(
        select(Topic.id, Topic.last_posted_at)
        .where(Topic.category_id == topic.category_id, Topic.state == PostState.PUBLISHED)
        .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(1)).one()
    db.session.execute(update(Category).where(Category.id == topic.category_id)
                       .values(last_topic_id=newest[0], last_posted_at=newest[1]))
    db.session.commit()
    db.session.expire_all()
