"""The index directory goes away for a while (moved, unmounted, restored from backup) and comes
back: search says it is unavailable meanwhile, the rest of the site works, nothing written is
lost, and search works again by itself, without a restart."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.search import SearchUnavailable, WhooshSearchIndex
from forum.search import services as search_services
from forum.search.models import PendingReindex
from forum.search.whoosh_backend import backend
from tests.factories import make_topic
from tests.search.test_engine import make_doc, q

UNAVAILABLE = "Search is unavailable right now. Please try again in a few minutes."


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    # The one-second back-off is for production disks; tests check what happens after it.
    monkeypatch.setattr(backend, "REOPEN_BACKOFF_SECONDS", 0.0)


def test_a_searcher_closed_during_an_outage_is_never_reused(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    ix = WhooshSearchIndex(directory)
    ix.index([make_doc(1, "descaling")])
    assert ix.search(q("descaling")).total == 1  # this thread now caches a searcher
    WhooshSearchIndex(directory).index([make_doc(2, "descaling again")])  # another worker writes
    away = tmp_path / "index-away"
    os.rename(directory, away)
    with pytest.raises(SearchUnavailable):
        ix.search(q("descaling"))  # the stale searcher is closed and reopening fails
    os.rename(away, directory)
    assert ix.search(q("descaling")).total == 2  # before: ReaderClosed, until a restart


def test_while_away_nothing_recreates_an_empty_index_in_its_place(tmp_path: Path) -> None:
    directory = tmp_path / "index"
    ix = WhooshSearchIndex(directory)
    ix.index([make_doc(1, "gasket")])
    assert ix.search(q("gasket")).total == 1
    os.rename(directory, tmp_path / "away")
    for _ in range(3):
        with pytest.raises(SearchUnavailable):
            ix.search(q("gasket"))
    assert not directory.exists()  # so moving it back is possible


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    return {"SEARCH_BACKEND": "whoosh", "SEARCH_INDEX_DIR": str(tmp_path / "live-index")}


def test_the_site_answers_503_for_search_only_keeps_writes_and_recovers(app: Any, client: Any,
                                                                        tmp_path: Path) -> None:
    make_topic(title="Descaling the Moka", body="Citric acid, never vinegar.")
    found = client.get("/search", query_string={"q": "descaling"})
    assert found.status_code == 200 and "Descaling the Moka" in found.get_data(as_text=True)

    live, away = tmp_path / "live-index", tmp_path / "moved-away"
    os.rename(live, away)
    down = client.get("/search", query_string={"q": "descaling"})
    assert down.status_code == 503
    page = down.get_data(as_text=True)
    assert UNAVAILABLE in page and 'value="descaling"' in page  # what was typed is kept
    assert client.get("/").status_code == 200
    make_topic(title="Replacing the gasket", body="A new gasket every year.")  # written meanwhile
    assert db.session.scalar(select(func.count()).select_from(PendingReindex)) >= 1  # queued, not lost
    assert client.get("/search", query_string={"q": "gasket"}).status_code == 503

    os.rename(away, live)
    search_services.drain_pending()
    back = client.get("/search", query_string={"q": "gasket"})
    assert back.status_code == 200 and "Replacing the gasket" in back.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(PendingReindex)) == 0
