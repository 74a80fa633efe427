"""Search in the app: model -> document mapping, index sync after commit, permission-aware
queries, rebuilds.

Writes never depend on the index: if an update fails, the database change stands and the
item is queued in ``search_pending_reindex``; the next successful sync (or ``reindex``)
drains the queue, so there is no lost content and no phantom result for long.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import markup
from forum.discussions.models import Category, Post, PostState, Topic
from forum.discussions.permissions import readable_category_ids
from forum.extensions import db

from .index import NullSearchIndex, SearchDocument, SearchIndex, SearchQuery, SearchResults
from .models import PendingReindex
from .query import parse_query_box

log = logging.getLogger(__name__)
BATCH = 2000


def init_app(app: Flask) -> None:
    backend: SearchIndex
    if app.config["SEARCH_BACKEND"] == "whoosh":
        from .whoosh_backend import WhooshSearchIndex

        backend = WhooshSearchIndex(
            app.config["SEARCH_INDEX_DIR"],
            default_language=app.config["DEFAULT_LOCALE"]
            if app.config["DEFAULT_LOCALE"] in ("en", "it", "fr")
            else "en",
        )
    else:
        backend = NullSearchIndex()
    app.extensions["forum.search"] = backend


def search_index() -> SearchIndex:
    return current_app.extensions["forum.search"]


# --- documents ------------------------------------------------------------------------------


def document_for_post(post: Post) -> SearchDocument:
    topic = post.topic
    author = post.author
    return SearchDocument(
        doc_id=f"post:{post.id}",
        kind="post",
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
    )


def document_for_event(event: Any) -> SearchDocument:
    from forum.events.models import EventState

    creator = event.creator
    place = " ".join(p for p in (event.venue, event.address) if p)
    return SearchDocument(
        doc_id=f"event:{event.id}", kind="event", post_id=None, topic_id=event.topic_id, event_id=event.id,
        category_id=event.category_id, author_id=event.created_by_id,
        author_username=creator.username if creator else "", title=event.title,
        body=(markup.plain_text(event.description) + ("\n" + place if place else "")),
        language=(creator.locale if creator and creator.locale else current_app.config["DEFAULT_LOCALE"]),
        created_at=event.created_at, is_first_post=True, is_staff_post=bool(creator and creator.is_staff),
        topic_has_official=False, topic_solved=False,
        # Cancelled meetups stay findable (their page says so); held ones are not public yet.
        visible=event.state != EventState.PENDING)


def _events(where: Any) -> list[Any]:
    from forum.events.models import Event

    return list(db.session.scalars(select(Event).options(joinedload(Event.creator)).where(where)))


def sync_events(event_ids: Iterable[int]) -> None:
    from forum.events.models import Event

    ids = sorted(set(event_ids))
    if ids:
        _apply("event", ids, lambda: [document_for_event(e) for e in _events(Event.id.in_(ids))])


def _posts(where: Any) -> Iterator[Post]:
    """Posts with what a document needs, in batches by id (constant memory for a full rebuild)."""
    last = 0
    while True:
        rows = list(
            db.session.scalars(
                select(Post)
                .options(joinedload(Post.topic), joinedload(Post.author))
                .where(where, Post.id > last)
                .order_by(Post.id)
                .limit(BATCH)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        if len(rows) < BATCH:
            return


# --- keeping the index in step ------------------------------------------------------------------


def sync_posts(post_ids: Iterable[int]) -> None:
    ids = sorted(set(post_ids))
    if ids:
        _apply("post", ids, lambda: [document_for_post(p) for p in _posts(Post.id.in_(ids))])


def sync_topic(topic_id: int) -> None:
    """Every post of a topic (title, category, official and solved flags live on each document)."""
    _apply("topic", [topic_id], lambda: [document_for_post(p) for p in _posts(Post.topic_id == topic_id)])


def _apply(kind: str, ids: list[int], documents: Callable[[], list[SearchDocument]]) -> None:
    try:
        search_index().index(documents())
    except Exception as exc:
        log.exception("search index update failed for %s %s; queued for retry", kind, ids)
        db.session.rollback()
        _queue(kind, ids, exc)
        return
    drain_pending()


def _queue(kind: str, ids: list[int], exc: Exception) -> None:
    existing = set(
        db.session.scalars(
            select(PendingReindex.object_id).where(PendingReindex.kind == kind, PendingReindex.object_id.in_(ids))
        )
    )
    for object_id in ids:
        if object_id not in existing:
            db.session.add(PendingReindex(kind=kind, object_id=object_id, last_error=str(exc)[:500]))
    db.session.commit()


def drain_pending(limit: int = 200) -> int:
    """Retry queued items; returns how many were brought in step."""
    pending = list(db.session.scalars(select(PendingReindex).order_by(PendingReindex.id).limit(limit)))
    if not pending:
        return 0
    post_ids = [p.object_id for p in pending if p.kind == "post"]
    topic_ids = [p.object_id for p in pending if p.kind == "topic"]
    event_ids = [p.object_id for p in pending if p.kind == "event"]
    try:
        docs = [document_for_post(p) for p in _posts(Post.id.in_(post_ids))] if post_ids else []
        if event_ids:
            from forum.events.models import Event

            docs += [document_for_event(e) for e in _events(Event.id.in_(event_ids))]
        for topic_id in topic_ids:
            docs += [document_for_post(p) for p in _posts(Post.topic_id == topic_id)]
        search_index().index(docs)
    except Exception as exc:
        db.session.rollback()
        for item in pending:
            item.attempts += 1
            item.last_error = str(exc)[:500]
        db.session.commit()
        return 0
    for item in pending:
        db.session.delete(item)
    db.session.commit()
    return len(pending)


def _all_event_documents() -> Iterator[SearchDocument]:
    from forum.events.models import Event

    yield from (document_for_event(e) for e in _events(Event.id > 0))


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild from the database; searches keep working meanwhile. Clears the retry queue."""
    count_before = db.session.scalar(select(PendingReindex.id).limit(1))
    backend = search_index()
    docs = itertools.chain((document_for_post(p) for p in _posts(Post.id > 0)), _all_event_documents())
    if hasattr(backend, "rebuild"):
        count = backend.rebuild(docs, progress=progress)
    else:
        backend.clear()
        batch = list(docs)
        backend.index(batch)
        count = len(batch)
    if count_before:
        db.session.execute(PendingReindex.__table__.delete())
        db.session.commit()
    return int(count)


# --- searching ----------------------------------------------------------------------------------


@dataclass
class SearchRequest:
    """What the search form sent, before permissions are applied."""

    text: str = ""
    category: str | None = None  # slug
    author: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    has_official: bool | None = None
    solved: bool | None = None
    staff_only: bool = False
    in_title: bool = False
    sort: str = "relevance"
    include_hidden: bool = False
    page: int = 1


@dataclass
class SearchPage:
    results: SearchResults
    topics: dict[int, Topic] = field(default_factory=dict)
    categories: dict[int, Category] = field(default_factory=dict)
    events: dict[int, Any] = field(default_factory=dict)
    free_text: str = ""


def search(user: Any, request: SearchRequest, per_page: int = 20) -> SearchPage:
    """Run a search as ``user``. Raises QueryRejected (with a stable ``code``) for bad text."""
    free_text, box = parse_query_box(request.text)
    allowed = frozenset(readable_category_ids(user))
    slug = box.get("category") or request.category
    category_ids: frozenset[int] | None = None
    if slug:
        cid = db.session.scalar(select(Category.id).where(Category.slug == slug))
        category_ids = frozenset({cid}) if cid is not None else frozenset({-1})
    query = SearchQuery(
        text=free_text,
        allowed_category_ids=allowed,
        include_hidden=bool(request.include_hidden and user.is_moderator),
        category_ids=category_ids,
        author_username=box.get("author_username") or (request.author or "").lstrip("@") or None,
        date_from=box.get("date_from") or request.date_from,
        date_to=box.get("date_to") or request.date_to,
        has_official=box.get("has_official", request.has_official),
        solved=box.get("solved", request.solved),
        staff_only=bool(box.get("staff_only") or request.staff_only),
        in_title=bool(box.get("in_title") or request.in_title),
        sort="newest" if box.get("sort") == "newest" or request.sort == "newest" else "relevance",
        page=max(1, request.page),
        per_page=per_page,
    )
    results = search_index().search(query)
    topic_ids = {h.topic_id for h in results.hits if h.topic_id}
    topics = (
        {
            t.id: t
            for t in db.session.scalars(
                select(Topic).options(joinedload(Topic.category)).where(Topic.id.in_(topic_ids))
            )
        }
        if topic_ids
        else {}
    )
    event_ids = {h.event_id for h in results.hits if h.event_id}
    events: dict[int, Any] = {}
    if event_ids:
        from forum.events.models import Event
        from forum.events.permissions import can_see_event

        events = {e.id: e for e in _events(Event.id.in_(event_ids)) if can_see_event(user, e)}
    # The index may briefly lag a permission change (e.g. a category made private): check again.
    results.hits[:] = [h for h in results.hits if h.topic_id in topics and topics[h.topic_id].category_id in allowed
                       and (h.event_id is None or h.event_id in events)]
    for hit in results.hits:
        object.__setattr__(hit, "excerpt_html", markup.sanitize_excerpt(hit.excerpt_html))
    return SearchPage(results=results, topics=topics, events=events, free_text=free_text)
