"""The search engine's interface: documents in, permission-filtered pages of hits out.

The app converts its models to ``SearchDocument`` and requests to ``SearchQuery``; nothing
here knows about Flask or the database, so backends can be swapped and tested alone.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, Protocol, runtime_checkable

from forum.search.query import ParsedText, parse_text, reject_empty
from forum.text import ascii_int

MAX_PER_PAGE = 100


class SearchUnavailable(RuntimeError):
    """The index cannot be read right now (its directory is missing or broken). Raised by a
    search, never by a write: writes that fail go to the retry journal. The next search after a
    short back-off tries again, so search recovers without a restart."""


@dataclass(frozen=True)
class SearchDocument:
    """One searchable item (a post, an event, ...) as the index sees it."""

    doc_id: str  # "<kind>:<id>" ("post:123", "event:7"); unique, used to replace and remove
    kind: str  # the SearchSource that made it ("post", "event", ...)
    post_id: int | None
    topic_id: int | None
    event_id: int | None
    category_id: int | None  # None: not in a category, so no category permission applies
    author_id: int | None
    author_username: str
    title: str  # topic title (for posts: their topic's title) / event title
    body: str  # plain text, markup already stripped
    language: str  # "en" | "it" | "fr"; anything else is indexed as the default language
    created_at: datetime  # aware UTC (naive values are taken as UTC)
    is_first_post: bool  # the title is its own (an opening post, an event): title matches count for it
    is_staff_post: bool
    topic_has_official: bool
    topic_solved: bool
    visible: bool  # False when hidden, pending approval or deleted
    tags: tuple[str, ...] = ()  # the topic's tag names (lower case), for ``tag:`` filters


@dataclass(frozen=True)
class SearchQuery:
    """A search as the app asks it, permissions included."""

    text: str
    allowed_category_ids: frozenset[int] | None  # None = no restriction (admins)
    include_hidden: bool = False  # staff opting in to hidden/pending/deleted items
    category_ids: frozenset[int] | None = None
    author_username: str | None = None  # case-insensitive
    date_from: date | None = None  # inclusive, UTC day
    date_to: date | None = None  # inclusive, UTC day
    has_official: bool | None = None
    solved: bool | None = None
    staff_only: bool = False
    in_title: bool = False  # title words only, opening posts only
    kinds: frozenset[str] | None = None
    # Only documents in this language ("en" | "it" | "fr"), matched with its stems only. None:
    # every language, each word matched with every language's stems.
    language: str | None = None
    sort: Literal["relevance", "newest"] = "relevance"
    # Only documents carrying every one of these tags (``tag:a tag:b``); None: no tag filter.
    tags: frozenset[str] | None = None
    page: int = 1
    per_page: int = 20

    @property
    def has_filters(self) -> bool:
        """True when the user narrowed the search (permissions don't count)."""
        return (
            self.category_ids is not None
            or bool(self.author_username)
            or self.date_from is not None
            or self.date_to is not None
            or self.has_official is not None
            or self.solved is not None
            or self.staff_only
            or self.kinds is not None
            or self.language is not None
            or bool(self.tags)
        )


@dataclass(frozen=True)
class SearchHit:
    """One result; ``excerpt_html`` is escaped HTML whose only tags are our ``<mark>``."""

    doc_id: str
    kind: str
    post_id: int | None
    topic_id: int | None
    event_id: int | None
    category_id: int | None
    author_username: str
    title: str
    created_at: datetime
    score: float
    excerpt_html: str

    @property
    def object_id(self) -> int | None:
        """The object's id, from a doc id of the form ``"<kind>:<id>"`` (None otherwise)."""
        _kind, _sep, number = self.doc_id.partition(":")
        return ascii_int(number)


@dataclass(frozen=True)
class SearchResults:
    """One page of hits; ``total`` counts every permitted match, not just this page.

    ``narrowed``: a prefix had more index terms than the query's budget, only its most
    frequent ones were searched. ``partial``: the search hit its time budget, ``hits`` and
    ``total`` only cover what was found by then. Either way the page is not the whole answer.
    """

    hits: list[SearchHit]
    total: int
    page: int
    per_page: int
    narrowed: bool = False
    partial: bool = False

    @property
    def incomplete(self) -> bool:
        """True when the user should be told to refine the search to see everything."""
        return self.narrowed or self.partial


@runtime_checkable
class SearchIndex(Protocol):
    """What the app needs from a search backend."""

    def index(self, docs: Iterable[SearchDocument]) -> None:
        """Add documents, replacing any with the same doc_id."""

    def remove(self, doc_ids: Iterable[str]) -> None:
        """Remove documents; unknown ids are ignored."""

    def search(self, query: SearchQuery) -> SearchResults:
        """Run a search; raises QueryRejected for text we refuse to run."""

    def clear(self) -> None:
        """Remove every document."""

    def doc_count(self) -> int:
        """Number of documents in the index, hidden ones included."""


def parse_search_text(query: SearchQuery) -> ParsedText:
    """Check the query's text; with no words, filters alone make a valid (browse) search."""
    parsed = parse_text(query.text)
    if not parsed.groups and not query.has_filters:
        # Exclusions alone ("-printer") would list almost everything: not a search.
        raise reject_empty()
    return parsed


def clamp_paging(query: SearchQuery) -> tuple[int, int]:
    """Page and page size forced into sane bounds (they usually come from the URL)."""
    return max(1, query.page), min(max(1, query.per_page), MAX_PER_PAGE)


class NullSearchIndex:
    """Accepts writes and finds nothing: for tests and apps that don't need search.

    It still validates query text, so the app's error handling behaves as in production.
    """

    def __init__(self) -> None:
        self._ids: set[str] = set()

    def index(self, docs: Iterable[SearchDocument]) -> None:
        self._ids.update(doc.doc_id for doc in docs)

    def remove(self, doc_ids: Iterable[str]) -> None:
        self._ids.difference_update(doc_ids)

    def search(self, query: SearchQuery) -> SearchResults:
        parse_search_text(query)
        page, per_page = clamp_paging(query)
        return SearchResults(hits=[], total=0, page=page, per_page=per_page)

    def clear(self) -> None:
        self._ids.clear()

    def doc_count(self) -> int:
        return len(self._ids)
