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
"""

from __future__ import annotations

import errno
import html
import json
import logging
import os
import pickle
import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from datetime import time as dtime
from itertools import islice
from pathlib import Path
from typing import Any

from whoosh import collectors
from whoosh import query as wq
from whoosh.fields import BOOLEAN, DATETIME, ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.highlight import BasicFragmentScorer, ContextFragmenter, Formatter, get_text, highlight
from whoosh.index import TOC, EmptyIndexError, FileIndex, LockError, clean_files
from whoosh.searching import Hit, ResultsPage, Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import CLEAR, SegmentWriter

from forum.search.analysis import LANGUAGES, analyze, analyzer_for, fold, stem
from forum.search.index import (
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    clamp_paging,
    parse_search_text,
)
from forum.search.query import (
    MAX_PREFIX_EXPANSION,
    MIN_PREFIX_CHARS,
    Clause,
    ParsedText,
    QueryRejected,
    reject_empty,
)

log = logging.getLogger(__name__)

INDEX_NAME = "MAIN"  # Whoosh's default; the lock file is "MAIN_WRITELOCK"
# Extra weight of a title match, on top of the match in the body field (which holds the
# title too). Titles are only indexed for opening posts and events.
TITLE_BOOST = 3.0
NO_CATEGORY = "none"  # indexed category term for documents outside any category
EXCERPT_CHARS = 200
JOURNAL_DIR = ".rebuild-journal"  # inside the index dir; Whoosh ignores dot-names
# A rebuild journal older than this is a crashed rebuild, not a running one.
STALE_REBUILD_SECONDS = 12 * 3600
PROGRESS_EVERY = 1000
_WORDISH = re.compile(r"\w")
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


class _MarkFormatter(Formatter):
    """Escapes everything and wraps matched words in <mark>."""

    between = " … "

    def _text(self, text: str) -> str:
        return html.escape(text)

    def format_token(self, text: str, token: Any, replace: bool = False) -> str:
        return f"<mark>{html.escape(get_text(text, token, replace))}</mark>"

    def format_fragment(self, fragment: Any, replace: bool = False) -> str:
        body = super().format_fragment(fragment, replace=replace)
        text = fragment.text
        head, tail = text[: fragment.startchar], text[fragment.endchar :]
        # Fragments start and end on words; keep leftover punctuation ("perché?") instead
        # of an ellipsis that would promise more text.
        before = "… " if _WORDISH.search(head) else html.escape(head)
        after = " …" if _WORDISH.search(tail) else html.escape(tail)
        return before + body + after


_BASIC_SCORER = BasicFragmentScorer()


def _fragment_score(fragment: Any) -> float:
    # Whoosh's score (matched words, diversity first), ties going to the earlier passage.
    score: float = _BASIC_SCORER(fragment)
    return score - fragment.startchar * 1e-9


class WhooshSearchIndex:
    """SearchIndex stored in ``directory``; safe to use from several processes and threads."""

    def __init__(
        self,
        directory: str | Path,
        *,
        default_language: str = "en",
        lock_timeout: float = 30.0,
    ) -> None:
        if default_language not in LANGUAGES:
            raise ValueError(f"default_language must be one of {LANGUAGES}")
        self.directory = Path(directory).absolute()
        self.default_language = default_language
        self.lock_timeout = lock_timeout
        self._schema = build_schema()
        self._open_lock = threading.Lock()
        self._ix: FileIndex | None = None
        self._pid: int | None = None
        # One searcher per thread: Whoosh searchers aren't meant to be shared by threads.
        self._local = threading.local()
        # maxchars counts only the characters of words, so aim below EXCERPT_CHARS.
        self._fragmenter = ContextFragmenter(maxchars=EXCERPT_CHARS * 3 // 4, surround=EXCERPT_CHARS * 9 // 20)
        self._formatter = _MarkFormatter()

    # --- SearchIndex ------------------------------------------------------------------

    def index(self, docs: Iterable[SearchDocument]) -> None:
        # Last one wins inside a batch: Whoosh can't replace a document added by the same
        # uncommitted writer, so duplicates would both survive.
        batch = list({doc.doc_id: doc for doc in docs}.values())
        if not batch:
            return
        rows = [self._fields(doc) for doc in batch]  # validate before taking the lock
        with self._writer() as writer:
            for row in rows:
                writer.update_document(**row)
            self._journal_if_rebuilding("index", batch)

    def remove(self, doc_ids: Iterable[str]) -> None:
        ids = list(dict.fromkeys(doc_ids))
        if not ids:
            return
        with self._writer() as writer:
            for doc_id in ids:
                writer.delete_by_term("doc_id", doc_id)
            self._journal_if_rebuilding("remove", ids)

    def clear(self) -> None:
        with self._writer(mergetype=CLEAR):
            self._journal_if_rebuilding("clear", None)

    def doc_count(self) -> int:
        with self._searcher() as searcher:
            count: int = searcher.doc_count()
            return count

    def search(self, query: SearchQuery) -> SearchResults:
        parsed = parse_search_text(query)
        page, per_page = clamp_paging(query)
        empty = SearchResults(hits=[], total=0, page=page, per_page=per_page)
        with self._searcher() as searcher:
            reader = searcher.reader()
            text_q = self._text_query(parsed, query.in_title, reader)
            narrowing = self._narrowing_query(query)
            if text_q is None:
                if parsed.groups and not query.has_filters:
                    raise reject_empty()  # only stop words, e.g. "a"
                # Filters only: browse them, newest first (no words to rank by).
                final: wq.Query = wq.Every() if narrowing is None else narrowing
                excluded = self._exclusion_query(parsed, query.in_title, reader)
                if excluded is not None:
                    final = wq.AndNot(final, excluded)
                newest = True
            else:
                # Require() intersects lazily and keeps the text query's scores.
                final = text_q if narrowing is None else wq.Require(text_q, narrowing)
                newest = query.sort == "newest"
            if narrowing is wq.NullQuery:
                return empty
            # Category permissions and visibility are applied inside the search as doc-number
            # sets, so totals, pages and excerpts never see a forbidden document.
            allow, mask = self._permission_sets(searcher, query)
            if allow is not None and not allow:
                return empty  # Whoosh treats an empty allow-set as "no filter"
            results = self._collect(searcher, final, page, per_page, allow, mask, newest)
            total = results.total
            hits: list[SearchHit] = []
            # ResultsPage clamps a too-high page to the last one; we report it as empty.
            if total and results.pagenum == page:
                words = self._highlight_words(text_q, reader)
                hits = [self._hit(hit, words) for hit in results]
            return SearchResults(hits=hits, total=total, page=page, per_page=per_page)

    @staticmethod
    def _collect(
        searcher: Searcher,
        final: wq.Query,
        page: int,
        per_page: int,
        allow: set[int] | None,
        mask: set[int],
        newest: bool,
    ) -> ResultsPage:
        """One page of results with an exact total, in a single pass over the matches.

        This is ``Searcher.search_page`` with its collector spelled out: its TopCollector
        either skips blocks and then re-runs the whole query to count (and trips over a
        RequireMatcher assertion in Whoosh 2.7.5), or, with ``optimize=False``, still
        prunes matchers below the current top N and under-counts. Scoring every match
        costs less than the recount.
        """
        limit = page * per_page
        inner: collectors.Collector
        if newest:
            inner = collectors.SortingCollector("created_at", limit=limit, reverse=True)
        else:
            inner = collectors.TopCollector(limit, usequality=False, replace=0)
        collector = collectors.FilterCollector(inner, allow, mask) if allow is not None or mask else inner
        searcher.search_with_collector(final, collector)
        return ResultsPage(collector.results(), page, per_page)

    # --- maintenance --------------------------------------------------------------------

    def rebuild(
        self,
        docs: Iterable[SearchDocument],
        *,
        progress: Callable[[int], None] | None = None,
    ) -> int:
        """Index ``docs`` into a fresh index beside the live one, then swap it in atomically.

        Searches keep using the old index until the swap. Writes made by any process
        during the rebuild are journaled and replayed before the swap. Duplicate doc_ids
        in ``docs`` keep their first occurrence. Returns the number of documents indexed.
        """
        ix = self._index()
        journal = self.directory / JOURNAL_DIR
        self._start_journal(ix, journal)
        temp_dir = self.directory.parent / f".{self.directory.name}.rebuild-{uuid.uuid4().hex[:12]}"
        swapped = False
        try:
            temp_dir.mkdir()
            temp_ix = FileIndex.create(FileStorage(str(temp_dir)), build_schema(), INDEX_NAME)
            count = self._bulk_load(temp_ix, docs, progress)
            with self._locked(ix):
                self._replay_journal(temp_ix, journal)
                self._swap_in(ix, temp_ix)
                shutil.rmtree(journal)
                swapped = True
            return count
        finally:
            shutil.rmtree(temp_dir, ignore_errors=True)
            if not swapped:
                self._abandon_journal(ix, journal)

    def close(self) -> None:
        """Close this thread's searcher (others close when their thread ends)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    # --- opening ------------------------------------------------------------------------

    def _index(self) -> FileIndex:
        # Opened lazily and kept. After a fork (gunicorn --preload) the child reopens, so
        # processes never share file handles or a searcher.
        pid = os.getpid()
        with self._open_lock:
            if self._ix is None or self._pid != pid:
                self._ix = self._open_or_create()
                self._pid = pid
                self._local = threading.local()
            return self._ix

    def _open_or_create(self) -> FileIndex:
        self.directory.mkdir(parents=True, exist_ok=True)
        storage = FileStorage(str(self.directory))
        if TOC._latest_generation(storage, INDEX_NAME) < 0:
            # Creation deletes the index files it finds, so two workers starting on an
            # empty directory must not both create: do it under the writer lock.
            lock = storage.lock(f"{INDEX_NAME}_WRITELOCK")
            self._acquire(lock)
            try:
                if TOC._latest_generation(storage, INDEX_NAME) < 0:
                    FileIndex.create(storage, self._schema, INDEX_NAME)
            finally:
                lock.release()
        ix = FileIndex(storage, indexname=INDEX_NAME)
        if set(ix.schema.names()) != set(self._schema.names()):
            log.warning("search index at %s has an outdated schema; run rebuild()", self.directory)
        return ix

    @contextmanager
    def _searcher(self) -> Iterator[Searcher]:
        ix = self._index()
        local = self._local
        searcher: Searcher | None = getattr(local, "searcher", None)
        for attempt in range(3):
            try:
                if searcher is not None and not searcher.up_to_date():
                    # Not searcher.refresh(): in whoosh-reloaded 2.7.5 it reuses readers
                    # by segment id and even re-adds segments the new generation dropped,
                    # so deletions, clear() and rebuild swaps stay invisible. A fresh
                    # searcher costs a few file opens, once per change.
                    searcher.close()
                    searcher = None
                if searcher is None:
                    searcher = ix.searcher()
                    local.permission_cache = {}
                break
            except (OSError, EmptyIndexError):
                # A commit in another process replaced the generation we had just listed.
                searcher = None
                if attempt == 2:
                    raise
        local.searcher = searcher
        assert searcher is not None
        yield searcher

    # --- writing ------------------------------------------------------------------------

    def _acquire(self, lock: Any) -> None:
        if not try_for(lock.acquire, timeout=self.lock_timeout, delay=LOCK_POLL_SECONDS):
            raise SearchIndexBusy(f"search index {self.directory} stayed locked for {self.lock_timeout}s")

    @contextmanager
    def _locked(self, ix: FileIndex) -> Iterator[None]:
        lock = ix.lock("WRITELOCK")
        self._acquire(lock)
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _writer(self, **commit_args: Any) -> Iterator[SegmentWriter]:
        ix = self._index()
        try:
            # Blocks (polling) until other processes' writers commit, up to lock_timeout.
            # Not AsyncWriter: it buffers in a thread of this process and would silently
            # lose the writes if the worker exits first.
            writer = ix.writer(timeout=self.lock_timeout, delay=LOCK_POLL_SECONDS)
        except LockError as exc:
            raise SearchIndexBusy(f"search index {self.directory} stayed locked for {self.lock_timeout}s") from exc
        try:
            yield writer
            writer.commit(**commit_args)
        except BaseException:
            # Release the lock now rather than when the writer is garbage collected.
            with suppress(Exception):
                writer.cancel()
            raise

    def _fields(self, doc: SearchDocument) -> dict[str, Any]:
        lang = doc.language if doc.language in LANGUAGES else self.default_language
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
            "post_id": doc.post_id,
            "topic_id": doc.topic_id,
            "event_id": doc.event_id,
            "category_id": doc.category_id,
            "author_username": doc.author_username,
            "title": doc.title,
            "body": doc.body,
            f"body_{lang}": doc.body,
        }
        if doc.is_first_post or doc.kind == "event":
            # Only these count title matches: a reply repeating its topic's title would
            # otherwise rank like the opening post. The title also goes into the body
            # field, which is the one searches walk (see _text_query).
            row[f"title_{lang}"] = doc.title
            row[f"body_{lang}"] = f"{doc.title}\n{doc.body}"
        return row

    # --- rebuild internals --------------------------------------------------------------

    def _bulk_load(
        self, temp_ix: FileIndex, docs: Iterable[SearchDocument], progress: Callable[[int], None] | None
    ) -> int:
        # Nobody else knows this index yet: no lock contention, one big segment.
        writer = temp_ix.writer(limitmb=256)
        seen: set[str] = set()
        try:
            for doc in docs:
                if doc.doc_id in seen:
                    continue
                seen.add(doc.doc_id)
                writer.add_document(**self._fields(doc))
                if progress is not None and len(seen) % PROGRESS_EVERY == 0:
                    progress(len(seen))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        if progress is not None:
            progress(len(seen))
        return len(seen)

    def _start_journal(self, ix: FileIndex, journal: Path) -> None:
        # Under the writer lock, so every write either committed before the journal
        # existed (and is in what the caller's ``docs`` read) or sees it and journals.
        with self._locked(ix):
            if journal.exists():
                if not self._journal_is_stale(journal):
                    raise RebuildInProgress(f"a rebuild of {self.directory} is already running")
                log.warning("removing the journal of an interrupted search rebuild in %s", journal)
                shutil.rmtree(journal)
            journal.mkdir()
            owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": time.time()}
            (journal / "owner.json").write_text(json.dumps(owner))

    @staticmethod
    def _journal_is_stale(journal: Path) -> bool:
        try:
            owner = json.loads((journal / "owner.json").read_text())
        except (OSError, ValueError):
            return True
        if time.time() - float(owner.get("started", 0)) > STALE_REBUILD_SECONDS:
            return True
        if owner.get("host") != socket.gethostname():
            return False  # can't check a process on another machine
        try:
            os.kill(int(owner["pid"]), 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False

    def _abandon_journal(self, ix: FileIndex, journal: Path) -> None:
        # Under the lock so no writer is halfway through adding a journal entry.
        try:
            with self._locked(ix):
                shutil.rmtree(journal, ignore_errors=True)
        except SearchIndexBusy:
            log.warning("could not remove %s; the next rebuild will", journal)

    def _journal_if_rebuilding(self, op: str, payload: Any) -> None:
        # Called with the writer lock held, before commit: a write that returns normally
        # is either in the journal or was made when no rebuild was running.
        journal = self.directory / JOURNAL_DIR
        if not journal.is_dir():
            return
        seq = sum(1 for name in os.listdir(journal) if name.endswith(".op")) + 1
        temp = journal / f".{seq:09d}.{os.getpid()}.tmp"
        temp.write_bytes(pickle.dumps((op, payload)))
        os.replace(temp, journal / f"{seq:09d}.op")

    def _replay_journal(self, temp_ix: FileIndex, journal: Path) -> None:
        for name in sorted(n for n in os.listdir(journal) if n.endswith(".op")):
            # Written by this class into the index directory: as trusted as the index.
            op, payload = pickle.loads((journal / name).read_bytes())  # noqa: S301
            # One commit per entry: a writer can't see its own uncommitted documents, so
            # replacing a document twice in one session would keep both copies.
            writer = temp_ix.writer()
            if op == "index":
                for doc in payload:
                    writer.update_document(**self._fields(doc))
                writer.commit()
            elif op == "remove":
                for doc_id in payload:
                    writer.delete_by_term("doc_id", doc_id)
                writer.commit()
            else:  # "clear"
                writer.commit(mergetype=CLEAR)

    def _swap_in(self, ix: FileIndex, temp_ix: FileIndex) -> None:
        # Move the new segment files in (random names, so no clash), then publish a new
        # generation listing only them. Readers switch when they next refresh; Whoosh
        # writes the TOC to a temp file and renames it, which is the atomic step.
        temp_storage = temp_ix.storage
        segments = TOC.read(temp_storage, INDEX_NAME).segments
        for segment in segments:
            for name in segment.list_files(temp_storage):
                _move(Path(temp_storage.folder) / name, self.directory / name)
        generation = ix.latest_generation() + 1
        TOC(self._schema, segments, generation).write(ix.storage, INDEX_NAME)
        # Old segments go; open readers keep their (unlinked) files until they refresh.
        clean_files(ix.storage, INDEX_NAME, generation, segments)

    # --- query building -----------------------------------------------------------------

    def _text_query(self, parsed: ParsedText, in_title: bool, reader: Any) -> wq.Query | None:
        """OR of one query per language, or None when no language has anything to match."""
        branches: list[wq.Query] = []
        for lang in LANGUAGES:
            # Matching walks a single field per language: intersecting plain posting lists
            # costs ~30% less CPU than intersecting title-OR-body unions. First posts and
            # events carry their title in body_<lang>; title_<lang> only adds the boost.
            field = _search_field(lang, in_title)
            groups: list[wq.Query] = []
            for group in parsed.groups:
                alternatives = [
                    q for clause in group if (q := self._clause_query(clause, lang, field, reader)) is not None
                ]
                if alternatives:
                    groups.append(_or(alternatives))
            if not groups:
                continue  # every word is a stop word in this language
            branch: wq.Query = groups[0] if len(groups) == 1 else wq.And(groups)
            excluded = [
                q for clause in parsed.excluded if (q := self._clause_query(clause, lang, field, reader)) is not None
            ]
            if excluded:
                branch = wq.AndNot(branch, _or(excluded))
            if not in_title:
                title_words = [
                    q
                    for group in parsed.groups
                    for clause in group
                    if (q := self._clause_query(clause, lang, f"title_{lang}", reader)) is not None
                ]
                if title_words:
                    branch = wq.AndMaybe(branch, _or(title_words))
            branches.append(branch)
        return _or(branches) if branches else None

    def _exclusion_query(self, parsed: ParsedText, in_title: bool, reader: Any) -> wq.Query | None:
        excluded = [
            q
            for lang in LANGUAGES
            for clause in parsed.excluded
            if (q := self._clause_query(clause, lang, _search_field(lang, in_title), reader)) is not None
        ]
        return _or(excluded) if excluded else None

    def _clause_query(self, clause: Clause, lang: str, field: str, reader: Any) -> wq.Query | None:
        boost = TITLE_BOOST if field.startswith("title_") else 1.0
        if clause.kind == "prefix":
            folded = fold(clause.text)
            # The typed prefix may run past the stem ("réparati*" vs stem "repar"), so
            # also try the stem of what was typed.
            prefixes = {folded}
            stemmed = stem(lang, folded)
            if len(stemmed) >= MIN_PREFIX_CHARS:
                prefixes.add(stemmed)
            prefixes = {p for p in prefixes if not any(o != p and p.startswith(o) for o in prefixes)}
            _check_expansion(reader, field, prefixes)
            return _or([wq.Prefix(field, p, boost=boost) for p in sorted(prefixes)])
        terms = analyze(lang, clause.text)
        if not terms:
            return None
        if len(terms) == 1:
            return wq.Term(field, terms[0], boost=boost)
        return wq.Phrase(field, terms, boost=boost)

    def _permission_sets(self, searcher: Searcher, query: SearchQuery) -> tuple[set[int] | None, set[int]]:
        """(allow, mask) document numbers for the category rules and visibility.

        Built from the postings of the ``category`` and ``visible`` terms and cached per
        searcher: the same few permission sets repeat across requests, and computing one
        is proportional to the documents it contains.
        """
        categories = _category_scope(query)
        key = (categories, query.include_hidden)
        cache: dict[Any, tuple[set[int] | None, set[int]]] = self._local.permission_cache
        if key in cache:
            return cache[key]
        reader = searcher.reader()
        allow: set[int] | None = None
        mask: set[int] = set()
        if categories is not None:
            present = [_text(term) for term in reader.lexicon("category")]
            inside = [c for c in present if c in categories]
            outside = [c for c in present if c not in categories]

            def size(values: list[str]) -> int:
                return sum(reader.doc_frequency("category", v) for v in values)

            # Whoosh checks each match against these sets: build the smaller one.
            if size(outside) <= size(inside):
                mask.update(_doc_numbers(searcher, "category", outside))
            else:
                allow = _doc_numbers(searcher, "category", inside)
        if not query.include_hidden:
            mask.update(_doc_numbers(searcher, "visible", [False]))
        if len(cache) >= PERMISSION_CACHE_SIZE:
            cache.pop(next(iter(cache)))
        cache[key] = result = (allow, mask)
        return result

    @staticmethod
    def _narrowing_query(query: SearchQuery) -> wq.Query | None:
        """The user's filters other than categories, or None; NullQuery when nothing can match."""
        parts: list[wq.Query] = []
        if query.author_username:
            parts.append(wq.Term("author", query.author_username.strip().lstrip("@").casefold()))
        if query.date_from is not None or query.date_to is not None:
            if query.date_from and query.date_to and query.date_from > query.date_to:
                return wq.NullQuery
            start = datetime.combine(query.date_from, dtime.min) if query.date_from else None
            end = datetime.combine(query.date_to, dtime.max) if query.date_to else None
            parts.append(wq.DateRange("created_at", start, end))
        if query.has_official is not None:
            parts.append(wq.Term("topic_has_official", query.has_official))
        if query.solved is not None:
            parts.append(wq.Term("topic_solved", query.solved))
        if query.staff_only:
            parts.append(wq.Term("is_staff_post", True))
        if query.in_title:
            parts.append(wq.Term("is_first_post", True))
        if query.kinds is not None:
            if not query.kinds:
                return wq.NullQuery
            parts.append(_or([wq.Term("kind", k) for k in sorted(query.kinds)]))
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else wq.And(parts)

    # --- results ------------------------------------------------------------------------

    def _highlight_words(self, text_q: wq.Query | None, reader: Any) -> dict[str, frozenset[str]]:
        """Indexed (stemmed) words to mark, per document language."""
        if text_q is None:
            return {}
        words: dict[str, set[str]] = {lang: set() for lang in LANGUAGES}
        # Not Query.existing_terms(): in Whoosh 2.7.5 its loop variable overwrites the
        # field filter, so it drops every field but the first one it meets.
        for leaf in text_q.leaves():
            for fieldname, text in leaf.expanded_terms(reader, phrases=True):
                # title_<lang> words too: an in:title search should still mark the body.
                kind, _, lang = fieldname.partition("_")
                if kind in ("body", "title") and lang in words:
                    words[lang].add(_text(text))
        return {lang: frozenset(found) for lang, found in words.items()}

    def _hit(self, hit: Hit, words: dict[str, frozenset[str]]) -> SearchHit:
        stored = hit.fields()
        return SearchHit(
            doc_id=stored["doc_id"],
            kind=stored["kind"],
            post_id=stored.get("post_id"),
            topic_id=stored.get("topic_id"),
            event_id=stored.get("event_id"),
            category_id=stored.get("category_id"),
            author_username=stored.get("author_username", ""),
            title=stored.get("title", ""),
            created_at=stored["created_at"].replace(tzinfo=UTC),
            score=float(hit.score or 0.0),
            excerpt_html=self._excerpt(stored.get("body", ""), stored["language"], words.get(stored["language"])),
        )

    def _excerpt(self, body: str, lang: str, words: frozenset[str] | None) -> str:
        # Collapse whitespace first so offsets and the visible excerpt agree.
        text = " ".join(body.split())
        if words:
            marked: str = highlight(
                text, words, analyzer_for(lang), self._fragmenter, self._formatter, top=1, scorer=_fragment_score
            )
            if marked:
                return marked
        if len(text) <= EXCERPT_CHARS:
            return html.escape(text)
        cut = text.rfind(" ", 0, EXCERPT_CHARS)
        return html.escape(text[: cut if cut > EXCERPT_CHARS // 2 else EXCERPT_CHARS]) + " …"


# --- helpers ------------------------------------------------------------------------------


def _search_field(lang: str, in_title: bool) -> str:
    return f"title_{lang}" if in_title else f"body_{lang}"


def _or(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _category_scope(query: SearchQuery) -> frozenset[str] | None:
    """Indexed category values a search may return, or None for all of them."""
    scope: set[str] | None = None
    if query.allowed_category_ids is not None:
        # Uncategorised documents (events outside categories) carry no category permission.
        scope = {NO_CATEGORY, *(str(c) for c in query.allowed_category_ids)}
    if query.category_ids is not None:
        wanted = {str(c) for c in query.category_ids}
        scope = wanted if scope is None else scope & wanted
    return None if scope is None else frozenset(scope)


def _doc_numbers(searcher: Searcher, fieldname: str, values: Sequence[Any]) -> set[int]:
    numbers: set[int] = set()
    for value in values:
        numbers.update(searcher.docs_for_query(wq.Term(fieldname, value)))
    return numbers


def _text(term: bytes | str) -> str:
    return term.decode("utf-8") if isinstance(term, bytes) else term


def _check_expansion(reader: Any, field: str, prefixes: set[str]) -> None:
    expanded: set[Any] = set()
    for prefix in prefixes:
        expanded.update(islice(reader.expand_prefix(field, prefix), MAX_PREFIX_EXPANSION + 1))
        if len(expanded) > MAX_PREFIX_EXPANSION:
            raise QueryRejected("expansion_too_large", "That prefix matches too many words; type a few more letters.")


def _move(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # The index directory is its own mount (e.g. a container volume): copy instead.
        shutil.move(str(src), str(dst))
