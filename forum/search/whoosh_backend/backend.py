"""The Whoosh index itself: opening, locked writes, searches and the journaled rebuild."""

from __future__ import annotations

import errno
import json
import logging
import os
import pickle
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC
from pathlib import Path
from typing import Any

from whoosh import collectors
from whoosh import query as wq
from whoosh.filedb.filestore import FileStorage
from whoosh.index import TOC, EmptyIndexError, FileIndex, LockError, clean_files
from whoosh.reading import ReaderClosed
from whoosh.searching import Hit, ResultsPage, Searcher
from whoosh.util.filelock import try_for
from whoosh.writing import CLEAR, SegmentWriter

from forum.search.analysis import LANGUAGES
from forum.search.index import (
    SearchDocument,
    SearchHit,
    SearchQuery,
    SearchResults,
    SearchUnavailable,
    clamp_paging,
    parse_search_text,
)
from forum.search.query import DEFAULT_MAX_PAGE, reject_deep_page, reject_empty

from .excerpts import Highlighter
from .expansion import DEFAULT_MAX_EXPANSIONS, ExpansionPlan
from .querying import exclusion_query, narrowing_query, permission_sets, searched_languages, text_query
from .schema import (
    INDEX_NAME,
    JOURNAL_DIR,
    LOCK_POLL_SECONDS,
    PROGRESS_EVERY,
    STALE_REBUILD_SECONDS,
    RebuildInProgress,
    SearchIndexBusy,
    build_schema,
    document_fields,
)
from .time_budget import DEFAULT_TIME_BUDGET_SECONDS, Clock, TimeBudgetCollector, TimeBudgetExceeded

log = logging.getLogger(__name__)

# After a failed open, searches fail fast for this long before the index is tried again.
REOPEN_BACKOFF_SECONDS = 1.0


class WhooshSearchIndex:
    """SearchIndex stored in ``directory``; safe to use from several processes and threads.

    Every search is bounded: its prefixes share ``max_expansions`` index terms (results
    come back ``narrowed`` when that dropped terms), matching stops ``time_budget_seconds``
    after it started (results come back ``partial``, with the hits found so far),
    and pages past ``max_page`` are refused. ``clock`` is there for tests.
    """

    def __init__(
        self,
        directory: str | Path,
        *,
        default_language: str = "en",
        lock_timeout: float = 30.0,
        max_expansions: int = DEFAULT_MAX_EXPANSIONS,
        time_budget_seconds: float = DEFAULT_TIME_BUDGET_SECONDS,
        max_page: int = DEFAULT_MAX_PAGE,
        clock: Clock = time.monotonic,
    ) -> None:
        if default_language not in LANGUAGES:
            raise ValueError(f"default_language must be one of {LANGUAGES}")
        self.directory = Path(directory).absolute()
        self.default_language = default_language
        self.lock_timeout = lock_timeout
        self.max_expansions = max_expansions
        self.time_budget_seconds = time_budget_seconds
        self.max_page = max_page
        self.clock = clock
        self._schema = build_schema()
        self._open_lock = threading.Lock()
        self._ix: FileIndex | None = None
        self._pid: int | None = None
        # One searcher per thread: Whoosh searchers aren't meant to be shared by threads.
        self._local = threading.local()
        self._highlighter = Highlighter()
        # While the index cannot be opened, searches fail fast until this monotonic time, and
        # the outage is logged once (not once per request).
        self._retry_open_at = 0.0
        self._outage_logged = False

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
        if page > self.max_page:
            raise reject_deep_page(self.max_page)
        with self._searcher() as searcher:
            reader = searcher.reader()
            languages = searched_languages(query)
            plan = ExpansionPlan(parsed, query.in_title, reader, self.max_expansions, languages)
            empty = SearchResults(hits=[], total=0, page=page, per_page=per_page, narrowed=plan.narrowed)
            text_q = text_query(parsed, query.in_title, plan, languages)
            narrowing = narrowing_query(query)
            if text_q is None:
                if parsed.groups and not query.has_filters:
                    raise reject_empty()  # only stop words, e.g. "a"
                # Filters only: browse them, newest first (no words to rank by).
                final: wq.Query = wq.Every() if narrowing is None else narrowing
                excluded = exclusion_query(parsed, query.in_title, plan, languages)
                if excluded is not None:
                    final = wq.AndNot(final, excluded)
                newest = True
            else:
                # Require() intersects lazily and keeps the text query's scores.
                final = text_q if narrowing is None else wq.Require(text_q, narrowing)
                newest = query.sort == "newest"
            if narrowing is wq.NullQuery or text_q is wq.NullQuery:
                return empty
            # Category permissions and visibility are applied inside the search as doc-number
            # sets, so totals, pages and excerpts never see a forbidden document.
            allow, mask = permission_sets(searcher, query, self._local.permission_cache)
            if allow is not None and not allow:
                return empty  # Whoosh treats an empty allow-set as "no filter"
            # The clock starts at the matching, the only step whose cost grows with the index:
            # opening a fresh searcher after a commit must not eat a query's budget.
            deadline = self.clock() + self.time_budget_seconds
            results, partial = self._collect(searcher, final, page, per_page, allow, mask, newest,
                                             deadline, self.clock)
            total = results.total
            hits: list[SearchHit] = []
            # ResultsPage clamps a too-high page to the last one; we report it as empty.
            if total and results.pagenum == page:
                words = self._highlighter.words(text_q, reader)
                hits = [self._hit(hit, words) for hit in results]
            return SearchResults(hits=hits, total=total, page=page, per_page=per_page,
                                 narrowed=plan.narrowed, partial=partial)

    @staticmethod
    def _collect(
        searcher: Searcher,
        final: wq.Query,
        page: int,
        per_page: int,
        allow: set[int] | None,
        mask: set[int],
        newest: bool,
        deadline: float,
        clock: Clock,
    ) -> tuple[ResultsPage, bool]:
        """One page of results with an exact total, in a single pass over the matches.

        This is ``Searcher.search_page`` with its collector spelled out: its TopCollector
        either skips blocks and then re-runs the whole query to count (and trips over a
        RequireMatcher assertion in Whoosh 2.7.5), or, with ``optimize=False``, still
        prunes matchers below the current top N and under-counts. Scoring every match
        costs less than the recount.

        Returns the page and whether the time budget cut the collection short (then the
        page and the total only cover the matches found before the deadline).
        """
        limit = page * per_page
        inner: collectors.Collector
        if newest:
            inner = collectors.SortingCollector("created_at", limit=limit, reverse=True)
        else:
            inner = collectors.TopCollector(limit, usequality=False, replace=0)
        # Innermost, so the filter's loop over candidates passes through its clock checks.
        timed = TimeBudgetCollector(inner, deadline, clock, min_candidates=limit)
        collector = collectors.FilterCollector(timed, allow, mask) if allow is not None or mask else timed
        # On timeout the hits collected so far are the answer, flagged partial.
        with suppress(TimeBudgetExceeded):
            searcher.search_with_collector(final, collector)
        return ResultsPage(collector.results(), page, per_page), timed.exceeded

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
        searcher = self._open_searcher()
        try:
            yield searcher
        except (OSError, EmptyIndexError, ReaderClosed) as exc:  # the files went away mid-search
            self._mark_unavailable(exc)
            raise SearchUnavailable(f"search index {self.directory} is unavailable") from exc

    def _open_searcher(self) -> Searcher:
        """This thread's searcher, fresh; SearchUnavailable while the index can't be read.

        A failure never leaves a closed or broken searcher cached: the next call starts from
        nothing, after ``REOPEN_BACKOFF_SECONDS`` so an outage does not hammer the disk.
        """
        if time.monotonic() < self._retry_open_at:
            raise SearchUnavailable(f"search index {self.directory} is unavailable")
        try:
            searcher = self._current_searcher()
        except (OSError, EmptyIndexError, ReaderClosed) as exc:
            self._mark_unavailable(exc)
            raise SearchUnavailable(f"search index {self.directory} is unavailable") from exc
        if self._outage_logged:
            log.warning("search index %s can be read again", self.directory)
            self._outage_logged = False
        return searcher

    def _mark_unavailable(self, exc: BaseException) -> None:
        self._drop_searcher()
        self._retry_open_at = time.monotonic() + REOPEN_BACKOFF_SECONDS
        if not self._outage_logged:
            log.warning("search index %s cannot be read (%s); searches answer 'unavailable' until it can",
                        self.directory, exc)
            self._outage_logged = True

    def _drop_searcher(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        self._local.searcher = None
        if searcher is not None:
            try:
                searcher.close()
            except Exception:  # already closed, or its files are gone: nothing to release
                log.debug("closing a broken searcher failed", exc_info=True)

    def _current_searcher(self) -> Searcher:
        if self._ix is not None and not self.directory.is_dir():
            # It existed and went away (moved, unmounted): wait for it, never create an empty one.
            raise FileNotFoundError(self.directory)
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
            except (OSError, EmptyIndexError, ReaderClosed):
                # A commit in another process replaced the generation we had just listed.
                searcher = None
                local.searcher = None
                if attempt == 2:
                    raise
        local.searcher = searcher
        assert searcher is not None
        return searcher

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
        return document_fields(doc, self.default_language)

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
            excerpt_html=self._highlighter.excerpt(stored.get("body", ""), stored["language"],
                                                   words.get(stored["language"])),
        )


def _move(src: Path, dst: Path) -> None:
    try:
        os.replace(src, dst)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        # The index directory is its own mount (e.g. a container volume): copy instead.
        shutil.move(str(src), str(dst))
