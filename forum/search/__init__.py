"""Full-text search: the engine (interface, query parsing, Whoosh backend) and the app side.

The engine modules (``index``, ``query``, ``analysis``, ``whoosh_backend``) are
framework-free; ``services`` and ``views`` are the app's. Search knows no domain: the domains
whose content is searchable contribute a ``SearchSource`` (``interfaces``).
"""

from flask import Flask

from forum.plugins.manager import register_core
from forum.search import hooks, services, views
from forum.search.index import (
    NullSearchIndex,
    SearchDocument,
    SearchHit,
    SearchIndex,
    SearchQuery,
    SearchResults,
)
from forum.search.query import BoxFilters, QueryRejected, parse_query_box
from forum.search.whoosh_backend import RebuildInProgress, SearchIndexBusy, WhooshSearchIndex


def init_app(app: Flask) -> None:
    services.init_app(app)
    app.register_blueprint(views.bp)
    register_core(app, hooks, "search")


__all__ = [
    "BoxFilters",
    "NullSearchIndex",
    "QueryRejected",
    "RebuildInProgress",
    "SearchDocument",
    "SearchHit",
    "SearchIndex",
    "SearchIndexBusy",
    "SearchQuery",
    "SearchResults",
    "WhooshSearchIndex",
    "parse_query_box",
]
