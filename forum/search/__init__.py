"""Full-text search: the engine (interface, query parsing, Whoosh backend) and the app side.

The engine modules (``index``, ``query``, ``analysis``, ``whoosh_backend``) are
framework-free; ``services`` and ``views`` are the app's. Search knows no domain: the domains
whose content is searchable contribute a ``SearchSource`` and keep the index in step with
``services.sync(kind, ids)`` from their own hooks (``interfaces`` says how).
"""

from flask import Flask

from forum.search import services, views
from forum.search.index import (
    NullSearchIndex,
    SearchDocument,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
)
from forum.search.interfaces import (
    SearchCategory,
    SearchFeed,
    SearchResult,
    SearchScope,
    SearchSource,
    doc_id,
)
from forum.search.query import BoxFilters, QueryRejected, parse_query_box
from forum.search.whoosh_backend import RebuildInProgress, SearchIndexBusy, WhooshSearchIndex


def init_app(app: Flask) -> None:
    services.init_app(app)
    app.register_blueprint(views.bp)


__all__ = [
    "BoxFilters",
    "NullSearchIndex",
    "QueryRejected",
    "RebuildInProgress",
    "SearchCategory",
    "SearchDocument",
    "SearchFeed",
    "SearchHit",
    "SearchIndex",
    "SearchIndexBusy",
    "SearchQuery",
    "SearchResult",
    "SearchResults",
    "SearchScope",
    "SearchSource",
    "SearchUnavailable",
    "WhooshSearchIndex",
    "doc_id",
    "parse_query_box",
]
