"""Full-text search engine: the interface, query parsing and the Whoosh backend.

Framework-free on purpose: the app maps its models to ``SearchDocument`` and requests to
``SearchQuery`` and picks a backend (``WhooshSearchIndex`` or ``NullSearchIndex``).
"""

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
