"""Search needs no domain code: a kind contributed by the test itself ("note") is indexed,
found, permission-filtered, retried and rebuilt through the same machinery as posts and
meetups; and forum/search imports no domain package."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from forum.extensions import db
from forum.registry import contribute, contributions
from forum.search import services as search
from forum.search.index import SearchDocument
from forum.search.interfaces import SearchFeed, SearchResult, SearchSource, doc_id
from forum.search.models import PendingReindex
from tests.factories import make_category, make_topic, make_user

ROOT = Path(__file__).resolve().parents[2]
DOMAINS = ("accounts", "admin", "discussions", "events", "moderation", "notifications", "staff")


@pytest.fixture
def app_config():
    return {"SEARCH_BACKEND": "whoosh"}


@dataclass
class Note:
    id: int
    title: str
    body: str
    category_id: int | None = None
    readers: set[str] | None = None  # None: everyone; else only these usernames
    published: bool = True


@dataclass
class NoteSource:
    """A searchable kind that lives in a dict: no model, no domain package."""

    notes: dict[int, Note] = field(default_factory=dict)
    visible_calls: list[list[int]] = field(default_factory=list)
    kind: str = "note"

    def _document(self, note: Note) -> SearchDocument:
        return SearchDocument(
            doc_id=doc_id(self.kind, note.id), kind=self.kind, post_id=None, topic_id=None, event_id=None,
            category_id=note.category_id, author_id=None, author_username="", title=note.title, body=note.body,
            language="en", created_at=datetime(2025, 1, note.id, tzinfo=UTC), is_first_post=True,
            is_staff_post=False, topic_has_official=False, topic_solved=False, visible=note.published)

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        return [self._document(self.notes[i]) for i in ids if i in self.notes]

    def all_documents(self) -> Iterator[SearchDocument]:
        return (self._document(n) for n in self.notes.values())

    def visible(self, user: Any, ids: Iterable[int]) -> dict[int, Note]:
        ids = list(ids)
        self.visible_calls.append(ids)
        name = getattr(user, "username", None)
        return {i: self.notes[i] for i in ids
                if i in self.notes and (self.notes[i].readers is None or name in self.notes[i].readers)}

    def present(self, obj: Note) -> SearchResult:
        return SearchResult(title=obj.title, url=f"/notes/{obj.id}", tag="Note")


@dataclass
class ShelfFeed:
    """A feed: a shelf id names the notes on it (like discussions' "topic" feed)."""

    source: NoteSource
    shelves: dict[int, list[int]]
    kind: str = "shelf"

    def documents(self, ids: Sequence[int]) -> list[SearchDocument]:
        return self.source.documents([n for shelf in ids for n in self.shelves.get(shelf, [])])


@pytest.fixture
def notes(app) -> NoteSource:
    source = NoteSource()
    contribute(app, SearchSource, source)
    return source


def note_titles(client, query: str, **params) -> list[str]:
    html = client.get("/search", query_string={"q": query, **params}).get_data(as_text=True)
    return re.findall(r'<span class="tag">Note</span> <a href="/notes/\d+">(.*?)</a>', html)


def test_a_contributed_kind_is_indexed_found_and_shown(client, notes) -> None:
    assert notes in contributions(SearchSource) and "note" in search.sources()
    notes.notes[1] = Note(1, "Pelican field guide", "every pelican species")
    notes.notes[2] = Note(2, "Heron field guide", "herons and egrets")
    search.sync("note", [1, 2])
    assert note_titles(client, "pelican") == ["Pelican field guide"]
    assert sorted(note_titles(client, "guide")) == ["Heron field guide", "Pelican field guide"]
    # Posts are found by the same page alongside the notes.
    make_topic(title="A pelican sighting", body="a pelican near the pier")
    html = client.get("/search", query_string={"q": "pelican"}).get_data(as_text=True)
    assert "A pelican sighting" in html and "Pelican field guide" in html and "2 results" in html


def test_the_source_and_the_category_scope_filter_what_each_user_finds(app, client, notes) -> None:
    staff_room = make_category("Staff notes", read_access="staff")
    notes.notes[1] = Note(1, "Public flamingo note", "flamingo facts")
    notes.notes[2] = Note(2, "Private flamingo note", "flamingo secrets", readers={"keeper"})
    notes.notes[3] = Note(3, "Staff flamingo note", "flamingo staff", category_id=staff_room.id)
    notes.notes[4] = Note(4, "Draft flamingo note", "flamingo draft", published=False)
    search.sync("note", notes.notes)
    assert note_titles(client, "flamingo") == ["Public flamingo note"]
    make_user("keeper")
    keeper = app.test_client()
    keeper.login("keeper")
    assert sorted(note_titles(keeper, "flamingo")) == ["Private flamingo note", "Public flamingo note"]
    make_user("warden", role="moderator")
    warden = app.test_client()
    warden.login("warden")
    # The index keeps the staff category from members; the source keeps the private note from staff.
    assert sorted(note_titles(warden, "flamingo")) == ["Public flamingo note", "Staff flamingo note"]
    assert sorted(note_titles(warden, "flamingo", include_hidden="y")) == [
        "Draft flamingo note", "Public flamingo note", "Staff flamingo note"]
    # The source is asked once per page with every id of its kind the index found.
    notes.visible_calls.clear()
    search.search(make_user(), search.SearchRequest(text="flamingo"))
    assert notes.visible_calls == [[1, 2]]


def test_the_results_page_runs_the_same_sql_for_few_or_many_hits(client, count_queries, notes, app) -> None:
    host = make_user("counthost", role="moderator")
    for i in range(1, 3):
        make_topic(host, title=f"Osprey thread {i}", body="osprey osprey")
        notes.notes[i] = Note(i, f"Osprey note {i}", "osprey")
    search.sync("note", notes.notes)

    def page_sql() -> int:
        with count_queries() as q:
            assert client.get("/search?q=osprey").status_code == 200
        return q.count

    few = page_sql()
    for i in range(3, 13):
        make_topic(host, title=f"Osprey thread {i}", body="osprey osprey")
        notes.notes[i] = Note(i, f"Osprey note {i}", "osprey")
    search.sync("note", notes.notes)
    assert page_sql() == few


def test_failed_updates_of_a_contributed_kind_are_queued_and_retried(client, app, notes, monkeypatch) -> None:
    backend = app.extensions["forum.search"]
    original = backend.index

    def broken(docs):
        raise OSError("disk full")

    notes.notes[1] = Note(1, "Albatross note", "albatross wingspan")
    monkeypatch.setattr(backend, "index", broken)
    search.sync("note", [1])
    queued = db.session.execute(db.select(PendingReindex.kind, PendingReindex.object_id)).all()
    assert queued == [("note", 1)]
    assert note_titles(client, "albatross") == []
    monkeypatch.setattr(backend, "index", original)
    make_topic(title="Unrelated topic", body="a later write drains the queue")
    assert db.session.scalar(db.select(PendingReindex.id)) is None
    assert note_titles(client, "albatross") == ["Albatross note"]


def test_a_feed_refreshes_the_documents_it_names_and_is_retried_under_its_kind(client, app, notes,
                                                                               monkeypatch) -> None:
    contribute(app, SearchFeed, ShelfFeed(notes, {7: [1, 2]}))
    notes.notes[1] = Note(1, "Puffin note", "puffin colony")
    notes.notes[2] = Note(2, "Gannet note", "gannet colony")
    search.sync("shelf", [7])
    assert sorted(note_titles(client, "colony")) == ["Gannet note", "Puffin note"]
    monkeypatch.setattr(app.extensions["forum.search"], "index", lambda docs: (_ for _ in ()).throw(OSError("x")))
    search.sync("shelf", [7])
    assert db.session.execute(db.select(PendingReindex.kind, PendingReindex.object_id)).all() == [("shelf", 7)]


def test_a_vanished_object_leaves_the_index(client, app, notes) -> None:
    notes.notes[1] = Note(1, "Cormorant note", "cormorant diving")
    search.sync("note", [1])
    count = app.extensions["forum.search"].doc_count()
    del notes.notes[1]
    search.sync("note", [1])
    assert app.extensions["forum.search"].doc_count() == count - 1
    assert note_titles(client, "cormorant") == []


def test_reindex_rebuilds_every_contributed_kind(client, runner, app, notes) -> None:
    notes.notes[1] = Note(1, "Kestrel note", "kestrel hovering")
    make_topic(title="Kestrel thread", body="kestrel over the field")
    app.extensions["forum.search"].clear()
    assert note_titles(client, "kestrel") == []
    result = runner.invoke(args=["forum", "reindex"])
    assert result.exit_code == 0, result.output
    html = client.get("/search?q=kestrel").get_data(as_text=True)
    assert "Kestrel thread" in html and note_titles(client, "kestrel") == ["Kestrel note"]


def test_unknown_and_clashing_kinds_are_refused(app, notes) -> None:
    with pytest.raises(LookupError):
        search.sync("nothing-registered", [1])
    contribute(app, SearchSource, NoteSource())  # a second "note"
    with pytest.raises(RuntimeError, match="note"):
        search.sync("note", [1])


def test_search_imports_no_domain_package() -> None:
    imported: list[str] = []
    for path in (ROOT / "forum" / "search").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.append(node.module)
            elif isinstance(node, ast.Import):
                imported += [alias.name for alias in node.names]
    assert imported, "no imports found: the walk is broken"
    assert [m for m in imported if m.split(".")[:2] in [["forum", d] for d in DOMAINS]] == []
