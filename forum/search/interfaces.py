"""What search asks of the domains whose content it indexes.

Search knows no domain: discussions and events each implement :class:`SearchSource` in their
own ``search.py`` and contribute it from their ``init_app``
(``forum.registry.contribute(app, SearchSource, source)``), as Warehouse's packaging
registers its document types. Search keeps the index in step, runs the queries and the retry
journal through these sources only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol

from .index import SearchDocument


class SearchSource(Protocol):
    """One kind of indexed thing (``"post"``, ``"event"``)."""

    kind: str  # SearchDocument.kind, doc ids are "<kind>:<id>", and the retry journal's kind

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        """Current documents for these ids (ids that no longer exist are left out)."""
        ...

    def all_documents(self) -> Iterator[SearchDocument]:
        """Every document, in batches (constant memory), for a rebuild."""
        ...

    def visible(self, user: Any, ids: Iterable[int]) -> dict[int, Any]:
        """Of the ids a search found, the objects ``user`` may see now, by id (the index may
        lag a permission change by a moment: this is the last word)."""
        ...


class SearchScope(Protocol):
    """Which categories a user may search in (discussions provides it)."""

    def __call__(self, user: Any) -> frozenset[int]: ...
