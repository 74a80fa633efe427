"""Reading discussions: categories, topic pages, listings, profiles' activity, revisions.

Every listing is keyset-paginated (:mod:`forum.pagination`) or an index range (topic pages by
post number): no OFFSET anywhere, and a constant number of queries per page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, false, or_, select
from sqlalchemy.orm import joinedload

from forum import pagination
from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied
from forum.extensions import db
from forum.registry import contributions

from .. import permissions
from ..interfaces import PostLoadOption, TopicLoadOption
from ..models import Category, Post, PostRevision, PostState, Topic


def visible_categories(user: Any) -> list[Category]:
    allowed = permissions.readable_category_ids(user)
    return list(db.session.scalars(
        select(Category).options(joinedload(Category.last_topic).joinedload(Topic.last_poster))
        .where(Category.id.in_(allowed)).order_by(Category.position, Category.name)))


def get_category(user: Any, slug: str) -> Category:
    category = db.session.scalar(select(Category).where(Category.slug == slug))
    if category is None or not permissions.can_read_category(user, category):
        raise NotFound()
    return category


def get_topic(user: Any, topic_id: int) -> Topic:
    topic = db.session.scalar(select(Topic).options(joinedload(Topic.category), joinedload(Topic.author))
                              .where(Topic.id == topic_id))
    if topic is None or not permissions.can_see_topic(user, topic):
        raise NotFound()
    return topic


def get_post(user: Any, post_id: int) -> Post:
    post = db.session.scalar(select(Post).options(joinedload(Post.topic).joinedload(Topic.category),
                                                  joinedload(Post.author)).where(Post.id == post_id))
    if post is None or not permissions.can_see_topic(user, post.topic):
        raise NotFound()
    return post


@dataclass
class TopicPage:
    topic: Topic
    posts: list[Post]
    page: int
    pages: int
    per_page: int

    @property
    def window(self) -> list[int | None]:
        """Page numbers for the pager: first, last and two either side of this one; None
        marks a gap. Built from the few numbers shown, so a 5,000-page topic costs no more."""
        shown = sorted({1, self.pages, *range(max(1, self.page - 2), min(self.pages, self.page + 2) + 1)})
        out: list[int | None] = []
        for n in shown:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def topic_page(user: Any, topic: Topic, page: int) -> TopicPage:
    """Posts ``(page-1)*n+1 .. page*n`` by post number: an index range, as cheap on page 5,000
    as on page 1. Held posts show to their author and moderators only."""
    per_page = current_app.config["POSTS_PER_PAGE"]
    pages = max(1, -(-topic.highest_post_number // per_page))
    page = min(max(1, page), pages)
    lo, hi = (page - 1) * per_page, page * per_page
    query = (select(Post).options(*post_load_options())
             .where(Post.topic_id == topic.id, Post.post_number > lo, Post.post_number <= hi))
    if not user.is_moderator:
        hidden_states = [PostState.PENDING, PostState.REJECTED]
        mine = Post.user_id == user.id if user.is_authenticated else false()
        query = query.where(or_(Post.state.not_in(hidden_states), and_(mine, Post.state.in_(hidden_states))))
    posts = list(db.session.scalars(query.order_by(Post.post_number)).unique())
    return TopicPage(topic=topic, posts=posts, page=page, pages=pages, per_page=per_page)


def post_load_options() -> list[Any]:
    """Eager loads for rendering posts; other domains contribute more (staff badges)."""
    return [joinedload(Post.author)] + [extra() for extra in contributions(PostLoadOption)]


def page_of_post(topic: Topic, post_number: int) -> int:
    return max(1, -(-post_number // current_app.config["POSTS_PER_PAGE"]))


def get_post_by_number(user: Any, topic: Topic, post_number: int) -> Post:
    post = db.session.scalar(select(Post).where(Post.topic_id == topic.id, Post.post_number == post_number))
    if post is None:
        raise NotFound()
    return post


@dataclass
class TopicList:
    pinned: list[Topic]
    topics: list[Topic]
    next_cursor: str | None


def encode_cursor(topic: Topic) -> str:
    """The position of the last topic shown, on the listing's order (last activity, id)."""
    return pagination.encode_cursor(topic.last_posted_at, topic.id)


def _topic_options() -> list[Any]:
    options: list[Any] = [joinedload(Topic.category), joinedload(Topic.author), joinedload(Topic.last_poster)]
    return options + [extra() for extra in contributions(TopicLoadOption)]


def _pinned_at(now: datetime) -> Any:
    return and_(Topic.is_pinned.is_(True), or_(Topic.pinned_until.is_(None), Topic.pinned_until > now))


def list_topics(user: Any, *, category: Category | None = None, cursor: str | None = None,
                filters: dict[str, Any] | None = None) -> TopicList:
    """Pinned first (first page of a category only), then by last activity, newest first.

    Keyset-paginated on (last_posted_at, id): page N costs one index range scan, like page 1,
    and a walk through "Older topics" meets every topic exactly once, ties included.
    """
    per_page = current_app.config["TOPICS_PER_PAGE"]
    now = utcnow()  # one instant for both queries, so a pin expiring mid-request is not lost
    base = select(Topic).options(*_topic_options()).where(Topic.state == PostState.PUBLISHED)
    if category is not None:
        base = base.where(Topic.category_id == category.id)
    else:
        base = base.where(Topic.category_id.in_(permissions.readable_category_ids(user)))
    for key, value in (filters or {}).items():
        base = _apply_filter(base, key, value)
    position = pagination.decode_cursor(cursor)
    pinned: list[Topic] = []
    query = base
    if category is not None:
        if position is None:
            pinned = list(db.session.scalars(base.where(_pinned_at(now))
                                             .order_by(Topic.last_posted_at.desc(), Topic.id.desc())))
        query = query.where(~_pinned_at(now))
    if position is not None:
        at, topic_id = position
        # Written as a range on last_posted_at plus a tie-break, so every database walks the index.
        query = query.where(Topic.last_posted_at <= at,
                            or_(Topic.last_posted_at < at, Topic.id < topic_id))
    rows = list(db.session.scalars(query.order_by(Topic.last_posted_at.desc(), Topic.id.desc())
                                   .limit(per_page + 1)))
    next_cursor = encode_cursor(rows[per_page - 1]) if len(rows) > per_page else None
    return TopicList(pinned=pinned, topics=rows[:per_page], next_cursor=next_cursor)


def _apply_filter(query: Any, key: str, value: Any) -> Any:
    if key == "official":
        cond = Topic.first_official_post_number.is_not(None)
        return query.where(cond if value else ~cond)
    if key == "solved":
        cond = Topic.solution_post_id.is_not(None)
        return query.where(cond if value else ~cond)
    return query


def user_topics(viewer: Any, user: User, limit: int = 20) -> list[Topic]:
    return list(db.session.scalars(
        select(Topic).options(joinedload(Topic.category))
        .where(Topic.user_id == user.id, Topic.state == PostState.PUBLISHED,
               Topic.category_id.in_(permissions.readable_category_ids(viewer)))
        .order_by(Topic.created_at.desc()).limit(limit)))


def user_posts(viewer: Any, user: User, limit: int = 20) -> list[Post]:
    return list(db.session.scalars(
        select(Post).join(Topic, Topic.id == Post.topic_id).options(joinedload(Post.topic))
        .where(Post.user_id == user.id, Post.state == PostState.PUBLISHED, Topic.state == PostState.PUBLISHED,
               Post.post_number > 1, Topic.category_id.in_(permissions.readable_category_ids(viewer)))
        .order_by(Post.created_at.desc()).limit(limit)))


def revisions(user: Any, post: Post) -> list[PostRevision]:
    if not permissions.can_see_revisions(user, post):
        raise PermissionDenied()
    return list(db.session.scalars(select(PostRevision).options(joinedload(PostRevision.editor))
                                   .where(PostRevision.post_id == post.id).order_by(PostRevision.number)))


def quote_source(user: Any, post: Post) -> str:
    """Markdown that quotes ``post`` into a reply."""
    if not permissions.can_see_post_body(user, post) or post.state != PostState.PUBLISHED:
        raise NotFound()
    username = post.author.username if post.author else "?"
    return f'[quote="{username}, post:{post.post_number}, topic:{post.topic_id}"]\n{post.raw}\n[/quote]\n\n'
