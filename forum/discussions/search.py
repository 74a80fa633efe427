"""Posts in search: their documents, who may see them, the categories a user searches in, and
the hooks that keep the index in step (registered from :func:`forum.discussions.init_app`).

Every post of a topic carries the topic's title, category, state and official/solved flags,
so a change to the topic refreshes all of them through the ``"topic"`` feed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import url_for
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import markup
from forum.extensions import db
from forum.i18n_content import translated
from forum.plugins import hookimpl
from forum.registry import lookup
from forum.search import services as search
from forum.search.index import SearchDocument
from forum.search.interfaces import SearchCategory, SearchResult, doc_id

from . import permissions
from .interfaces import TopicTags
from .models import Category, Post, PostState, Topic

BATCH = 2000


def document_for_post(post: Post, tags: Sequence[str] = ()) -> SearchDocument:
    topic = post.topic
    author = post.author
    return SearchDocument(
        doc_id=doc_id(PostSource.kind, post.id),
        kind=PostSource.kind,
        post_id=post.id,
        topic_id=topic.id,
        event_id=None,
        category_id=topic.category_id,
        author_id=post.user_id,
        author_username=author.username if author else "",
        title=topic.title,
        body=markup.plain_text(post.raw),
        language=post.language or topic.language,
        created_at=post.created_at,
        is_first_post=post.post_number == 1,
        is_staff_post=bool(author and author.is_staff),
        topic_has_official=topic.has_official,
        topic_solved=topic.is_solved,
        visible=post.state == PostState.PUBLISHED and topic.state == PostState.PUBLISHED,
        tags=tuple(tags),
    )


def _batches(where: Any) -> Iterator[list[Post]]:
    """Posts with what a document needs, in batches by id (constant memory for a full rebuild)."""
    last = 0
    while True:
        rows = list(db.session.scalars(
            select(Post).options(joinedload(Post.topic), joinedload(Post.author))
            .where(where, Post.id > last).order_by(Post.id).limit(BATCH)))
        if not rows:
            return
        yield rows
        last = rows[-1].id
        if len(rows) < BATCH:
            return


def _documents(where: Any) -> Iterator[SearchDocument]:
    """Documents of the posts matching ``where``, with their topics' tags (TopicTags: one query
    per batch)."""
    for batch in _batches(where):
        tags = lookup(TopicTags).names_for(sorted({p.topic_id for p in batch}))
        for post in batch:
            yield document_for_post(post, tags.get(post.topic_id, ()))


class PostSource:
    """Posts, found by their topic's title and their own text."""

    kind = "post"

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        return list(_documents(Post.id.in_(ids)))

    def all_documents(self) -> Iterator[SearchDocument]:
        return _documents(Post.id > 0)

    def visible(self, user: Any, ids: Iterable[int]) -> dict[int, Post]:
        posts = db.session.scalars(
            select(Post).options(joinedload(Post.topic).joinedload(Topic.category)).where(Post.id.in_(list(ids))))
        # Hidden and held posts reach moderators only through their opt-in (the index's own
        # filter); here the state is checked again in case the index is behind.
        return {p.id: p for p in posts
                if permissions.can_see_topic(user, p.topic) and permissions.can_see_post_body(user, p)}

    def present(self, obj: Post) -> SearchResult:
        category = obj.topic.category
        return SearchResult(title=obj.topic.title, url=url_for("discussions.post_by_id", post_id=obj.id),
                            category_name=translated(category, "name"), category_color=category.color,
                            category_url=url_for("discussions.category", slug=category.slug))


class TopicPosts:
    """The ``"topic"`` feed: every post of these topics (one journal row per topic, however long)."""

    kind = "topic"

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        return list(_documents(Post.topic_id.in_(ids)))


class CategoryScope:
    """Search covers the categories a user may read; moderators may opt in to hidden posts."""

    def categories(self, user: Any) -> list[SearchCategory]:
        rows = db.session.execute(
            select(Category.id, Category.slug, Category.name, Category.translations)
            .where(Category.id.in_(permissions.readable_category_ids(user)))
            .order_by(Category.position, Category.name))
        return [SearchCategory(id=row.id, slug=row.slug, name=translated(row, "name")) for row in rows]

    def allowed_category_ids(self, user: Any) -> frozenset[int]:
        return frozenset(permissions.readable_category_ids(user))

    def category_id(self, slug: str) -> int | None:
        return db.session.scalar(select(Category.id).where(Category.slug == slug))

    def may_include_hidden(self, user: Any) -> bool:
        return bool(user.is_moderator)


# --- keeping the index in step: core hook implementations (after the commit) ----------------------

def _sync(post: Any) -> None:
    # An opening post's state is the topic's state: every post of the topic changes visibility.
    if post.post_number == 1:
        search.sync(TopicPosts.kind, [post.topic_id])
    else:
        search.sync(PostSource.kind, [post.id])


@hookimpl
def forum_topic_created(topic: Any, post: Any) -> None:
    search.sync(PostSource.kind, [post.id])


@hookimpl
def forum_post_created(post: Any) -> None:
    search.sync(PostSource.kind, [post.id])
    if post.is_official:
        search.sync(TopicPosts.kind, [post.topic_id])  # "has official reply" is on every post's document


@hookimpl
def forum_post_edited(post: Any, revision: Any) -> None:
    title_changed = post.post_number == 1 and revision.title and revision.title != post.topic.title
    official_changed = revision.was_official != post.is_official
    if title_changed or official_changed:
        search.sync(TopicPosts.kind, [post.topic_id])
    else:
        search.sync(PostSource.kind, [post.id])


@hookimpl
def forum_post_deleted(post: Any, actor: Any) -> None:
    _sync(post)


@hookimpl
def forum_post_restored(post: Any, actor: Any) -> None:
    _sync(post)


@hookimpl
def forum_post_approved(post: Any, actor: Any) -> None:
    _sync(post)


@hookimpl
def forum_post_rejected(post: Any, actor: Any, reason: str) -> None:
    _sync(post)


@hookimpl
def forum_post_hidden(post: Any, actor: Any, reason: str) -> None:
    _sync(post)


@hookimpl
def forum_topic_changed(topic: Any, actor: Any, change: str) -> None:
    search.sync(TopicPosts.kind, [topic.id])
