"""Tests for the search engine's writes (forum.search): replacing and removing documents,
lazy opening, several processes writing at once and atomic rebuilds. No Flask, no database."""

from __future__ import annotations

import json
import multiprocessing
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh.filedb.filestore import FileStorage

from forum.search import (
    RebuildInProgress,
    SearchDocument,
    WhooshSearchIndex,
)
from forum.search.whoosh_backend import JOURNAL_DIR
from tests.search.test_engine import found, ids, make_doc, q


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "search-index"


@pytest.fixture
def ix(index_dir: Path) -> Iterator[WhooshSearchIndex]:
    index = WhooshSearchIndex(index_dir)
    yield index
    index.close()


# --- writing ------------------------------------------------------------------------------


def test_index_replaces_by_doc_id(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "alpha")])
    ix.index([make_doc(1, "beta")])
    ix.index([make_doc(2, "gamma"), make_doc(2, "delta")])  # last one in a batch wins
    assert found(ix, "alpha") == set()
    assert found(ix, "beta") == {"post:1"}
    assert found(ix, "gamma") == set()
    assert found(ix, "delta") == {"post:2"}
    assert ix.doc_count() == 2


def test_remove_and_clear(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(n, "cable") for n in range(5)])
    ix.remove(["post:1", "post:3", "post:404"])
    assert found(ix, "cable") == {"post:0", "post:2", "post:4"}
    assert ix.doc_count() == 3
    ix.clear()
    assert ix.doc_count() == 0
    assert found(ix, "cable") == set()
    ix.index([make_doc(9, "cable")])
    assert found(ix, "cable") == {"post:9"}


def test_opens_lazily_and_persists(index_dir: Path) -> None:
    first = WhooshSearchIndex(index_dir)
    assert not index_dir.exists()
    first.index([make_doc(1, "persistent")])
    second = WhooshSearchIndex(index_dir)
    assert found(second, "persistent") == {"post:1"}


def test_reader_sees_writes_from_another_instance(index_dir: Path) -> None:
    reader, writer = WhooshSearchIndex(index_dir), WhooshSearchIndex(index_dir)
    writer.index([make_doc(1, "fresh")])
    assert found(reader, "fresh") == {"post:1"}  # keeps a searcher from now on
    writer.index([make_doc(2, "fresh")])
    writer.remove(["post:1"])
    assert found(reader, "fresh") == {"post:2"}
    assert reader.doc_count() == 1


def _index_in_child(directory: str, worker: int, barrier: Any) -> None:
    index = WhooshSearchIndex(directory, lock_timeout=120)
    docs = [make_doc(worker * 1000 + i, f"concurrent writer{worker} shared") for i in range(50)]
    barrier.wait()  # all four start writing at the same moment
    for start in range(0, 50, 10):
        index.index(docs[start : start + 10])


def test_concurrent_writers_in_separate_processes(index_dir: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(4)
    workers = [ctx.Process(target=_index_in_child, args=(str(index_dir), w, barrier)) for w in range(4)]
    for proc in workers:
        proc.start()
    for proc in workers:
        proc.join(timeout=300)
    assert [proc.exitcode for proc in workers] == [0, 0, 0, 0]

    ix = WhooshSearchIndex(index_dir)
    assert ix.doc_count() == 200
    seen: set[str] = set()
    for page in (1, 2):
        results = ix.search(q("shared", page=page, per_page=100))
        assert results.total == 200
        seen.update(ids(results))
    assert seen == {f"post:{w * 1000 + i}" for w in range(4) for i in range(50)}
    assert ix.search(q("writer3", per_page=100)).total == 50


# --- rebuild ------------------------------------------------------------------------------


def _lock_files(directory: Path) -> list[str]:
    return sorted(name for name in os.listdir(directory) if "LOCK" in name.upper())


def _assert_clean(index_dir: Path) -> None:
    siblings = sorted(p.name for p in index_dir.parent.iterdir())
    assert siblings == [index_dir.name]  # no temp dir left next to the index
    assert not (index_dir / JOURNAL_DIR).exists()
    # Whoosh's writer lock is an flock on a permanent file (deleting it would let two
    # writers in); it must exist only once and be free.
    assert _lock_files(index_dir) == ["MAIN_WRITELOCK"]
    lock = FileStorage(str(index_dir)).lock("MAIN_WRITELOCK")
    assert lock.acquire(blocking=False)
    lock.release()


def test_rebuild_swaps_in_a_fresh_index(index_dir: Path) -> None:
    ix = WhooshSearchIndex(index_dir)
    reader = WhooshSearchIndex(index_dir)
    ix.index([make_doc(n, "old content") for n in range(5)])
    assert found(reader, "old") == {f"post:{n}" for n in range(5)}
    reports: list[int] = []

    def docs() -> Iterator[SearchDocument]:
        for n in range(10, 13):
            # While the new index is being built the live one still answers.
            assert len(found(reader, "old")) == 5
            yield make_doc(n, "new content")

    assert ix.rebuild(docs(), progress=reports.append) == 3
    assert reports[-1] == 3
    assert found(reader, "old") == set()
    assert found(reader, "new") == {"post:10", "post:11", "post:12"}
    assert reader.doc_count() == 3
    _assert_clean(index_dir)
    ix.index([make_doc(20, "new content")])  # the swapped-in index takes writes as usual
    assert len(found(reader, "new")) == 4
    segment_files = [n for n in os.listdir(index_dir) if n.endswith(".seg")]
    assert 1 <= len(segment_files) <= 2  # the old segments were deleted


def test_writes_during_rebuild_are_not_lost(index_dir: Path) -> None:
    ix = WhooshSearchIndex(index_dir)
    other_process = WhooshSearchIndex(index_dir)  # another worker, as far as files go
    ix.index([make_doc(1, "lamp"), make_doc(2, "lamp")])

    def docs() -> Iterator[SearchDocument]:
        yield make_doc(1, "lamp")
        yield make_doc(2, "lamp")  # read from the database before the removal below
        other_process.index([make_doc(3, "lamp arrived during rebuild")])
        other_process.remove(["post:2"])
        other_process.index([make_doc(1, "lamp edited during rebuild")])
        assert found(other_process, "lamp") == {"post:1", "post:3"}  # live index, meanwhile
        yield make_doc(4, "lamp")

    assert ix.rebuild(docs()) == 3
    assert found(ix, "lamp") == {"post:1", "post:3", "post:4"}
    assert found(ix, "edited") == {"post:1"}
    assert ix.doc_count() == 3
    _assert_clean(index_dir)


def test_failed_rebuild_leaves_the_live_index_alone(index_dir: Path) -> None:
    ix = WhooshSearchIndex(index_dir)
    ix.index([make_doc(1, "survivor")])

    def broken() -> Iterator[SearchDocument]:
        yield make_doc(2, "half built")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        ix.rebuild(broken())
    assert found(ix, "survivor") == {"post:1"}
    assert found(ix, "half") == set()
    _assert_clean(index_dir)


def test_only_one_rebuild_at_a_time(index_dir: Path) -> None:
    ix, other = WhooshSearchIndex(index_dir), WhooshSearchIndex(index_dir)
    ix.index([make_doc(1, "x")])

    def docs() -> Iterator[SearchDocument]:
        with pytest.raises(RebuildInProgress):
            other.rebuild([make_doc(9, "other")])
        yield make_doc(2, "winner")

    assert ix.rebuild(docs()) == 1
    assert found(ix, "winner") == {"post:2"}


def test_rebuild_takes_over_a_crashed_rebuilds_journal(index_dir: Path) -> None:
    ix = WhooshSearchIndex(index_dir)
    ix.index([make_doc(1, "x")])
    journal = index_dir / JOURNAL_DIR
    journal.mkdir()
    proc = multiprocessing.get_context("spawn").Process(target=os.getpid)
    proc.start()
    proc.join()
    dead_pid = proc.pid
    owner = {"pid": dead_pid, "host": socket.gethostname(), "started": time.time()}
    (journal / "owner.json").write_text(json.dumps(owner))
    assert ix.rebuild([make_doc(2, "fresh")]) == 1
    assert found(ix, "fresh") == {"post:2"}
    _assert_clean(index_dir)
