"""The index schema, its constants and errors, and how a document becomes index fields."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from whoosh.fields import BOOLEAN, DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from forum.search.analysis import LANGUAGES, analyzer_for
from forum.search.index import SearchDocument

INDEX_NAME = "MAIN"  # Whoosh's default; the lock file is "MAIN_WRITELOCK"
# Extra weight of a title match, on top of the match in the body field (which holds the
# title too). Titles are only indexed for documents that own them (``is_first_post``).
TITLE_BOOST = 3.0
NO_CATEGORY = "none"  # indexed category term for documents outside any category
EXCERPT_CHARS = 200
JOURNAL_DIR = ".rebuild-journal"  # inside the index dir; Whoosh ignores dot-names
# A rebuild journal older than this is a crashed rebuild, not a running one.
STALE_REBUILD_SECONDS = 12 * 3600
PROGRESS_EVERY = 1000
LOCK_POLL_SECONDS = 0.02
PERMISSION_CACHE_SIZE = 32  # distinct permission sets kept per thread and index version



class SearchIndexBusy(RuntimeError):
    """The index stayed locked by other writers for longer than the configured wait."""


class RebuildInProgress(RuntimeError):
    """Another rebuild of the same index is running."""


def build_schema() -> Schema:
    """The index schema; changing it needs a ``rebuild``."""
    fields: dict[str, Any] = {
        "doc_id": ID(stored=True, unique=True),
        "kind": ID(stored=True),
        "language": ID(stored=True),
        "category": ID(),  # str(category_id) or NO_CATEGORY, for filtering
        "author": ID(),  # casefolded username, for filtering
        "created_at": DATETIME(stored=True, sortable=True),  # naive UTC
        "is_first_post": BOOLEAN(),
        "is_staff_post": BOOLEAN(),
        "topic_has_official": BOOLEAN(),
        "topic_solved": BOOLEAN(),
        "visible": BOOLEAN(),
        "tags": KEYWORD(commas=True, lowercase=True),  # the topic's tags, for ``tag:`` filters
        # Display-only values, returned with hits.
        "post_id": STORED(),
        "topic_id": STORED(),
        "event_id": STORED(),
        "category_id": STORED(),
        "author_username": STORED(),
        "title": STORED(),
        "body": STORED(),  # for excerpts
    }
    for lang in LANGUAGES:
        # phrase=True (the default, spelled out) stores positions for "quoted phrases".
        fields[f"title_{lang}"] = TEXT(analyzer=analyzer_for(lang), phrase=True)
        fields[f"body_{lang}"] = TEXT(analyzer=analyzer_for(lang), phrase=True)
    return Schema(**fields)


def document_fields(doc: SearchDocument, default_language: str) -> dict[str, Any]:
    """The stored and indexed values of one document."""
    lang = doc.language if doc.language in LANGUAGES else default_language
    created = doc.created_at
    if created.tzinfo is not None:
        # Whoosh drops tzinfo without converting, so convert first.
        created = created.astimezone(UTC).replace(tzinfo=None)
    row: dict[str, Any] = {
        "doc_id": doc.doc_id,
        "kind": doc.kind,
        "language": lang,
        "category": NO_CATEGORY if doc.category_id is None else str(doc.category_id),
        "author": doc.author_username.casefold(),
        "created_at": created,
        "is_first_post": doc.is_first_post,
        "is_staff_post": doc.is_staff_post,
        "topic_has_official": doc.topic_has_official,
        "topic_solved": doc.topic_solved,
        "visible": doc.visible,
        "tags": ",".join(doc.tags),
        "post_id": doc.post_id,
        "topic_id": doc.topic_id,
        "event_id": doc.event_id,
        "category_id": doc.category_id,
        "author_username": doc.author_username,
        "title": doc.title,
        "body": doc.body,
        f"body_{lang}": doc.body,
    }
    if doc.is_first_post:
        # Only documents whose title is their own count title matches: a reply repeating
        # its topic's title would otherwise rank like the opening post. The title also goes
        # into the body field, which is the one searches walk (see querying.text_query).
        row[f"title_{lang}"] = doc.title
        row[f"body_{lang}"] = f"{doc.title}\n{doc.body}"
    return row


def term_text(term: bytes | str) -> str:
    """A term as Whoosh's reader returns it, as text."""
    return term.decode("utf-8") if isinstance(term, bytes) else term
