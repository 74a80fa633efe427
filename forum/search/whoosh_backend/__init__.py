"""Whoosh implementation of SearchIndex: on-disk, multi-process safe, multilingual.

Layout on disk: one Whoosh index in ``directory``. Each document is written into the
``title_<lang>``/``body_<lang>`` fields of its own language; a query is analyzed once per
language and run as ``OR`` of the per-language queries, so stop words and stems always
match the document's language.

Concurrency: Whoosh allows one writer at a time through a file lock (``MAIN_WRITELOCK``,
an ``flock``, released by the kernel if a worker dies). Every write takes that lock with a
bounded wait and commits before returning, so nothing is buffered in a process that
might exit. ``rebuild`` builds a fresh index next to the live one while the site keeps
reading and writing the old one; writes made meanwhile are also journaled and replayed
into the new index right before the atomic swap, so they are not lost.

Split by concern: :mod:`.schema` (fields, constants, errors), :mod:`.querying` (text,
filters and permission sets as Whoosh queries), :mod:`.excerpts` (marked passages) and
:mod:`.backend` (the index: opening, locked writes, searching, rebuilds).
"""

from .backend import WhooshSearchIndex
from .schema import (
    INDEX_NAME,
    JOURNAL_DIR,
    NO_CATEGORY,
    RebuildInProgress,
    SearchIndexBusy,
    build_schema,
    document_fields,
)

__all__ = [
    "INDEX_NAME",
    "JOURNAL_DIR",
    "NO_CATEGORY",
    "RebuildInProgress",
    "SearchIndexBusy",
    "WhooshSearchIndex",
    "build_schema",
    "document_fields",
]
