"""Meetups in search: their documents, who may see them, and the hook that keeps the index in
step (registered from :func:`forum.events.init_app`).

Cancelled meetups stay findable (their page says so); pending and rejected ones are not
published (``UNPUBLISHED_STATES``), so their documents are hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from forum import markup
from forum.discussions.services import detect_language
from forum.extensions import db
from forum.i18n_content import translated
from forum.plugins import hookimpl
from forum.search import services as search
from forum.search.index import SearchDocument
from forum.search.interfaces import SearchResult, doc_id

from .models import UNPUBLISHED_STATES, Event
from .permissions import can_see_event

BATCH = 500


def document_for_event(event: Event) -> SearchDocument:
    creator = event.creator
    place = " ".join(p for p in (event.venue, event.address) if p)
    return SearchDocument(
        doc_id=doc_id(EventSource.kind, event.id), kind=EventSource.kind, post_id=None, topic_id=event.topic_id,
        event_id=event.id, category_id=event.category_id, author_id=event.created_by_id,
        author_username=creator.username if creator else "", title=event.title,
        body=markup.plain_text(event.description) + ("\n" + place if place else ""),
        # Indexed with the stems of the language it is written in (detected, as for posts).
        language=detect_language(event.description, creator, event.title),
        created_at=event.created_at, is_first_post=True, is_staff_post=bool(creator and creator.is_staff),
        topic_has_official=False, topic_solved=False, visible=event.state not in UNPUBLISHED_STATES)


def _events(where: Any) -> Iterator[Event]:
    """Events with their creator, in batches by id (constant memory for a full rebuild)."""
    last = 0
    while True:
        rows = list(db.session.scalars(select(Event).options(joinedload(Event.creator))
                                       .where(where, Event.id > last).order_by(Event.id).limit(BATCH)))
        yield from rows
        if len(rows) < BATCH:
            return
        last = rows[-1].id


class EventSource:
    """Meetups, found by title, description and place."""

    kind = "event"

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        return [document_for_event(e) for e in _events(Event.id.in_(ids))]

    def all_documents(self) -> Iterator[SearchDocument]:
        return (document_for_event(e) for e in _events(Event.id > 0))

    def visible(self, user: Any, ids: Iterable[int]) -> dict[int, Event]:
        # The category and hosts are what can_see_event reads: loaded here, not once per event.
        rows = db.session.scalars(select(Event).options(joinedload(Event.category), selectinload(Event.hosts))
                                  .where(Event.id.in_(list(ids))))
        return {e.id: e for e in rows if can_see_event(user, e)}

    def present(self, obj: Event) -> SearchResult:
        category = obj.category
        return SearchResult(title=obj.title, url=url_for("events.show", event_id=obj.id, slug=obj.slug),
                            tag=_("Event"), category_name=translated(category, "name"), category_color=category.color,
                            category_url=url_for("discussions.category", slug=category.slug))


@hookimpl
def forum_event_changed(event: Any, actor: Any, change: str) -> None:
    search.sync(EventSource.kind, [event.id])
