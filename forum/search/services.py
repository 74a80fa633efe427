"""Search in the app: the index backend, keeping it in step, permission-aware queries, rebuilds.

Search knows no domain: documents, visibility and presentation come from the
:class:`~forum.search.interfaces.SearchSource` each domain contributes, and the categories a
user may search in from the :class:`~forum.search.interfaces.SearchScope` (see
:mod:`forum.search.interfaces`). Domains call :func:`sync` after their commits.

Writes never depend on the index: if an update fails, the database change stands and the
ids are queued in ``search_pending_reindex`` under their kind; the next successful sync (or
``reindex``) drains the queue, so there is no lost content and no phantom result for long.
"""

from __future__ import annotations

import itertools
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from forum import markup
from forum.extensions import db
from forum.registry import contributions, lookup

from .analysis import LANGUAGES
from .index import NullSearchIndex, SearchDocument, SearchHit, SearchIndex, SearchQuery, SearchResults
from .interfaces import (
    MAX_KIND_LENGTH,
    SearchCategory,
    SearchFeed,
    SearchRecorder,
    SearchResult,
    SearchScope,
    SearchSource,
    SearchTagNames,
    doc_id,
)
from .models import PendingReindex
from .query import parse_query_box
from .whoosh_backend import WhooshSearchIndex

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    backend: SearchIndex
    if app.config["SEARCH_BACKEND"] == "whoosh":
        backend = WhooshSearchIndex(
            app.config["SEARCH_INDEX_DIR"],
            default_language=app.config["DEFAULT_LOCALE"]
            if app.config["DEFAULT_LOCALE"] in ("en", "it", "fr")
            else "en",
            max_expansions=int(app.config["SEARCH_MAX_EXPANSIONS"]),
            time_budget_seconds=float(app.config["SEARCH_TIME_BUDGET_SECONDS"]),
            max_page=int(app.config["SEARCH_MAX_PAGE"]),
        )
    else:
        backend = NullSearchIndex()
    app.extensions["forum.search"] = backend


def search_index() -> SearchIndex:
    return current_app.extensions["forum.search"]


# --- what the domains contributed ----------------------------------------------------------------


def sources() -> dict[str, SearchSource]:
    """Every contributed source, by kind, in registration order."""
    return {source.kind: source for source in contributions(SearchSource)}


def feeds() -> dict[str, SearchFeed]:
    """Every way to name documents to refresh: the sources' own kinds and the extra feeds."""
    found: dict[str, SearchFeed] = {}
    for feed in [*contributions(SearchSource), *contributions(SearchFeed)]:
        if feed.kind in found or not 0 < len(feed.kind) <= MAX_KIND_LENGTH or ":" in feed.kind:
            # Two feeds for one kind would share the retry journal's rows: refuse, never mix them.
            raise RuntimeError(f"search kind {feed.kind!r} is taken, empty, too long or has ':'")
        found[feed.kind] = feed
    return found


def _scope() -> SearchScope:
    return lookup(SearchScope)


# --- keeping the index in step ------------------------------------------------------------------


def sync(kind: str, ids: Iterable[int]) -> None:
    """Bring the index in step with the database for these ids of ``kind`` (a source or feed).

    Called by domains after the commit. If the index refuses, the ids are queued and retried."""
    wanted = sorted(set(ids))
    if not wanted:
        return
    feed = feeds().get(kind)
    if feed is None:
        raise LookupError(f"no search source or feed for kind {kind!r}")
    try:
        _refresh(feed, wanted, is_source=kind in sources())
    except Exception as exc:
        log.exception("search index update failed for %s %s; queued for retry", kind, wanted)
        db.session.rollback()
        _queue(kind, wanted, exc)
        return
    drain_pending()


def _refresh(feed: SearchFeed, ids: Sequence[int], *, is_source: bool) -> None:
    docs = feed.documents(ids)
    search_index().index(docs)
    if is_source:
        # A source answers for every id it is asked about: an id without a document is gone.
        gone = {doc_id(feed.kind, i) for i in ids} - {d.doc_id for d in docs}
        if gone:
            search_index().remove(gone)


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
    by_kind: dict[str, list[int]] = defaultdict(list)
    for item in pending:
        by_kind[item.kind].append(item.object_id)
    known, own_kinds = feeds(), sources().keys()
    try:
        for kind, ids in by_kind.items():
            feed = known.get(kind)
            if feed is None:
                # Its domain (or plugin) is gone: nothing can ever bring these in step.
                log.warning("dropping %d queued search updates of unknown kind %r", len(ids), kind)
                continue
            _refresh(feed, ids, is_source=kind in own_kinds)
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


def rebuild_index(progress: Callable[[int], None] | None = None) -> int:
    """Rebuild from every source; searches keep working meanwhile. Clears the retry queue."""
    count_before = db.session.scalar(select(PendingReindex.id).limit(1))
    backend = search_index()
    docs: Iterator[SearchDocument] = itertools.chain.from_iterable(
        source.all_documents() for source in sources().values())
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
    language: str | None = None  # only posts written in it; None: every language
    sort: str = "relevance"
    include_hidden: bool = False
    page: int = 1
    tags: tuple[str, ...] = ()  # topics carrying all of these tags (the box's ``tag:`` adds more)


@dataclass
class SearchPage:
    """A page of hits the searcher may see, with the objects they stand for (by kind, id)."""

    results: SearchResults
    objects: dict[str, dict[int, Any]] = field(default_factory=dict)
    free_text: str = ""

    def object_for(self, hit: SearchHit) -> Any:
        return self.objects.get(hit.kind, {}).get(hit.object_id or 0)


def filter_categories(user: Any) -> list[SearchCategory]:
    """The categories the search form offers ``user``."""
    return _scope().categories(user)


def may_include_hidden(user: Any) -> bool:
    return _scope().may_include_hidden(user)


def _tag_filter(names: list[str]) -> frozenset[str] | None:
    """The ``tag:`` names as documents carry them (synonyms resolved by the tags domain)."""
    for resolver in contributions(SearchTagNames) if names else []:
        names = resolver.canonical(names)
    return frozenset(names) or None


def search(user: Any, request: SearchRequest, per_page: int = 20) -> SearchPage:
    """Run a search as ``user``. Raises QueryRejected (with a stable ``code``) for bad text."""
    scope = _scope()
    free_text, box = parse_query_box(request.text)
    slug = box.get("category") or request.category
    category_ids: frozenset[int] | None = None
    if slug:
        cid = scope.category_id(slug)
        category_ids = frozenset({cid}) if cid is not None else frozenset({-1})
    query = SearchQuery(
        text=free_text,
        allowed_category_ids=scope.allowed_category_ids(user),
        include_hidden=bool(request.include_hidden and scope.may_include_hidden(user)),
        category_ids=category_ids,
        author_username=box.get("author_username") or (request.author or "").lstrip("@") or None,
        date_from=box.get("date_from") or request.date_from,
        date_to=box.get("date_to") or request.date_to,
        has_official=box.get("has_official", request.has_official),
        solved=box.get("solved", request.solved),
        staff_only=bool(box.get("staff_only") or request.staff_only),
        in_title=bool(box.get("in_title") or request.in_title),
        language=box.get("language") or (request.language if request.language in LANGUAGES else None),
        sort="newest" if box.get("sort") == "newest" or request.sort == "newest" else "relevance",
        tags=_tag_filter([*box.get("tags", []), *(t.lower() for t in request.tags)]),
        page=max(1, request.page),
        per_page=per_page,
    )
    results = search_index().search(query)
    page = SearchPage(results=results, objects=_visible_objects(user, results.hits), free_text=free_text)
    # The index may briefly lag a permission change (e.g. a category made private): each
    # source has the last word, and a hit of a kind no source answers for is dropped.
    results.hits[:] = [h for h in results.hits if page.object_for(h) is not None]
    for hit in results.hits:
        object.__setattr__(hit, "excerpt_html", markup.sanitize_excerpt(hit.excerpt_html))
    if query.page == 1:  # a search is counted once, not once per page turned
        found = results.total if results.hits else 0
        for record in contributions(SearchRecorder):
            record(free_text, language=query.language or "", results=found,
                   signed_in=bool(getattr(user, "is_authenticated", False)))
    return page


def _visible_objects(user: Any, hits: Sequence[SearchHit]) -> dict[str, dict[int, Any]]:
    """One call per kind on the page, so the page's SQL does not grow with its hits."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for hit in hits:
        if hit.object_id is not None:
            wanted[hit.kind].add(hit.object_id)
    known = sources()
    return {kind: known[kind].visible(user, sorted(ids)) for kind, ids in wanted.items() if kind in known}


@dataclass(frozen=True)
class SearchEntry:
    """One line of the results page: the hit (author, date, excerpt) and how its source shows it."""

    hit: SearchHit
    result: SearchResult


def entries(page: SearchPage) -> list[SearchEntry]:
    """The page's hits with their presentation (in a request: sources build URLs)."""
    known = sources()
    return [SearchEntry(hit, known[hit.kind].present(page.object_for(hit))) for hit in page.results.hits]
