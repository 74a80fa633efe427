"""What search asks of the domains whose content it indexes.

Search knows no domain: each domain whose content is searchable implements
:class:`SearchSource` in its own ``search.py`` and contributes it from its ``init_app``
(``forum.registry.contribute(app, SearchSource, source)``), as Warehouse's packaging
registers its document types. Search keeps the index in step, runs the queries, the
permission re-check, the retry journal and rebuilds through these contributions only:

* :class:`SearchSource` (many): one kind of indexed thing ("post", "event").
* :class:`SearchFeed` (many): another way to name documents to refresh, for things that are
  not indexed themselves ("topic": every post of those topics). Every source is also the
  feed of its own kind.
* :class:`SearchScope` (one, ``forum.registry.provide``): which categories a user may search
  in, and whether they may opt in to hidden items; discussions owns categories.

The domain tells search that something changed with ``forum.search.services.sync(kind,
ids)`` (from its hooks, after the commit); a failed index update is queued under that kind
and retried through the same feed.

Document ids are ``"<kind>:<object id>"`` (:func:`doc_id`); a hit's :attr:`object_id` is
what a source's :meth:`~SearchSource.visible` receives.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .index import SearchDocument

# The retry journal's column is 16 characters wide.
MAX_KIND_LENGTH = 16


def doc_id(kind: str, object_id: int) -> str:
    """The index id of one object: what ``SearchDocument.doc_id`` must be for a source."""
    return f"{kind}:{object_id}"


class SearchFeed(Protocol):
    """Turns ids of ``kind`` into the current documents they stand for (possibly several)."""

    kind: str  # at most MAX_KIND_LENGTH characters; unique among sources and feeds

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        """Current documents for these ids; ids that no longer exist are left out."""
        ...


@dataclass(frozen=True)
class SearchResult:
    """How one found object is shown on the results page (the template escapes every field)."""

    title: str
    url: str
    tag: str | None = None  # a short label before the title ("Event"); None for the default kind
    category_name: str | None = None
    category_url: str | None = None
    category_color: str | None = None


class SearchSource(SearchFeed, Protocol):
    """One kind of indexed thing. ``documents`` returns exactly one document per existing id,
    whose ``doc_id`` is ``doc_id(kind, id)`` and ``kind`` is :attr:`kind`; an id that yields
    no document is removed from the index."""

    def all_documents(self) -> Iterator[SearchDocument]:
        """Every document, in batches (constant memory), for a rebuild."""
        ...

    def visible(self, user: Any, ids: Iterable[int]) -> dict[int, Any]:
        """Of the ids a search found, the objects ``user`` may see now, by id. The index may
        lag a permission change by a moment: this is the last word. A fixed number of queries
        whatever the number of ids (the results page keeps constant SQL)."""
        ...

    def present(self, obj: Any) -> SearchResult:
        """One object returned by :meth:`visible`, as the results page shows it (in a request)."""
        ...


@dataclass(frozen=True)
class SearchCategory:
    """A category as the search form offers it."""

    id: int
    slug: str
    name: str


class SearchScope(Protocol):
    """Where a user may search: categories (documents carry a category id) and hidden items."""

    def categories(self, user: Any) -> list[SearchCategory]:
        """The categories ``user`` may read, in display order (the form's filter)."""
        ...

    def allowed_category_ids(self, user: Any) -> frozenset[int] | None:
        """Category ids whose documents ``user`` may find; None for no restriction."""
        ...

    def category_id(self, slug: str) -> int | None:
        """The category a ``category:slug`` filter names, whether or not the user may read it."""
        ...

    def may_include_hidden(self, user: Any) -> bool:
        """Whether ``user`` may opt in to hidden, pending and deleted items."""
        ...


class SearchTagNames(Protocol):
    """What a ``tag:`` filter means (contributed by the tags domain, if any): each typed name as
    the documents carry it, a synonym replaced by its tag's name, in one query; an unknown name
    stays as typed (it matches nothing)."""

    def canonical(self, names: Sequence[str]) -> list[str]: ...


class SearchRecorder(Protocol):
    """Told about each search's first page (many; insights counts what members look for and do
    not find). Privacy: only the words, the language and whether the searcher was signed in;
    never who or from where. Must be cheap and must never make the search fail."""

    def __call__(self, text: str, *, language: str, results: int, signed_in: bool) -> None:
        ...
