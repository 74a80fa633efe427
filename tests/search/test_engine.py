"""Tests for the search engine (forum.search): analysis, query syntax, permissions, filters,
and excerpts (writes: test_engine_writes.py). No Flask, no database."""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from forum.search import (
    NullSearchIndex,
    QueryRejected,
    SearchDocument,
    SearchIndex,
    SearchQuery,
    SearchResults,
    WhooshSearchIndex,
    parse_query_box,
)

BASE_TIME = datetime(2024, 3, 10, 12, 0, tzinfo=UTC)


def make_doc(n: int, body: str = "", **overrides: Any) -> SearchDocument:
    fields: dict[str, Any] = {
        "doc_id": f"post:{n}",
        "kind": "post",
        "post_id": n,
        "topic_id": n,
        "event_id": None,
        "category_id": 1,
        "author_id": 1,
        "author_username": "Mario",
        "title": f"Topic {n}",
        "body": body,
        "language": "en",
        "created_at": BASE_TIME + timedelta(minutes=n),
        "is_first_post": False,
        "is_staff_post": False,
        "topic_has_official": False,
        "topic_solved": False,
        "visible": True,
    }
    fields.update(overrides)
    return SearchDocument(**fields)


def q(text: str, **kwargs: Any) -> SearchQuery:
    kwargs.setdefault("allowed_category_ids", None)
    return SearchQuery(text=text, **kwargs)


def ids(results: SearchResults) -> list[str]:
    return [hit.doc_id for hit in results.hits]


def found(index: SearchIndex, text: str, **kwargs: Any) -> set[str]:
    results = index.search(q(text, per_page=100, **kwargs))
    assert results.total == len(results.hits)  # all fit on one page in these tests
    return set(ids(results))


@pytest.fixture
def index_dir(tmp_path: Path) -> Path:
    return tmp_path / "search-index"


@pytest.fixture
def ix(index_dir: Path) -> Iterator[WhooshSearchIndex]:
    # A budget that never binds here: these tests check what is found, on a machine that may be
    # busy; the time budget has its own tests with a fake clock (test_search_budget.py).
    index = WhooshSearchIndex(index_dir, time_budget_seconds=30)
    yield index
    index.close()


# --- language analysis -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "body", "query"),
    [
        ("it", "Il prodotto è arrivato rotto", "prodotti"),
        ("it", "PRODOTTI difettosi", "prodotto"),
        ("fr", "Les réparations prennent du temps", "réparation"),
        ("fr", "Les réparations prennent du temps", "reparation"),
        ("it", "Non capisco perché si blocca", "perche"),
        ("it", "Non capisco perche si blocca", "perché"),
        ("en", "The motor runs hot", "running"),
        ("en", "Printers jam", "printer"),
    ],
)
def test_stemming_and_accent_folding_per_language(ix: WhooshSearchIndex, language: str, body: str, query: str) -> None:
    ix.index([make_doc(1, body, language=language), make_doc(2, "unrelated words here", language=language)])
    assert found(ix, query) == {"post:1"}


def test_unknown_language_uses_the_default(index_dir: Path) -> None:
    ix = WhooshSearchIndex(index_dir, default_language="it")
    ix.index([make_doc(1, "prodotti rotti", language="de")])
    assert found(ix, "prodotto") == {"post:1"}


def test_document_is_only_analyzed_in_its_own_language(ix: WhooshSearchIndex) -> None:
    # "the" is an English stop word but an ordinary token for Italian analysis.
    ix.index([make_doc(1, "the printer", language="en"), make_doc(2, "the stampante", language="it")])
    assert found(ix, "the") == {"post:2"}
    assert found(ix, "the printer") == {"post:1"}  # the stop word doesn't block the English doc


def test_stop_words_alone_do_not_crash(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "the printer is on the table")])
    assert ix.search(q("the")).total == 0
    with pytest.raises(QueryRejected) as err:
        ix.search(q("a"))  # a stop word in every language
    assert err.value.code == "empty"


# --- query syntax -------------------------------------------------------------------------


@pytest.fixture
def printers(ix: WhooshSearchIndex) -> WhooshSearchIndex:
    ix.index(
        [
            make_doc(1, "the red printer has a paper jam"),
            make_doc(2, "printer red light blinking"),
            make_doc(3, "laser printer toner"),
            make_doc(4, "scanner glass is dirty"),
        ]
    )
    return ix


def test_words_are_anded(printers: WhooshSearchIndex) -> None:
    assert found(printers, "printer red") == {"post:1", "post:2"}
    assert found(printers, "printer toner") == {"post:3"}


def test_quoted_phrase_needs_the_words_in_order(printers: WhooshSearchIndex) -> None:
    assert found(printers, '"red printer"') == {"post:1"}
    assert found(printers, '"printer red"') == {"post:2"}
    assert found(printers, '"paper jam"') == {"post:1"}


def test_minus_excludes(printers: WhooshSearchIndex) -> None:
    assert found(printers, "printer -laser") == {"post:1", "post:2"}
    assert found(printers, 'printer -"paper jam"') == {"post:2", "post:3"}


def test_or_between_words(printers: WhooshSearchIndex) -> None:
    assert found(printers, "toner OR scanner") == {"post:3", "post:4"}
    assert found(printers, "printer toner OR blinking") == {"post:2", "post:3"}
    assert found(printers, "toner or scanner") == set()  # lowercase "or" is just a word


def test_trailing_wildcard(printers: WhooshSearchIndex) -> None:
    assert found(printers, "scan*") == {"post:4"}
    assert found(printers, "print* -laser") == {"post:1", "post:2"}


@pytest.mark.parametrize(
    "text",
    [
        "printr~",  # fuzzy
        "printr~2",
        'r"print.*"',  # regex plugin syntax
        "[a TO z]",  # range
        "{printer TO zzz}",
        "body_en:printer",  # field syntax
        "printer^5",  # boost becomes "printer 5", which no document has
    ],
)
def test_advanced_whoosh_syntax_is_not_interpreted(printers: WhooshSearchIndex, text: str) -> None:
    assert printers.search(q(text)).total == 0


def test_field_syntax_cannot_reach_hidden_documents(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "secret plans", visible=False)])
    assert ix.search(q("visible:false")).total == 0
    assert ix.search(q("secret")).total == 0


# --- abuse checks -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("x" * 201, "too_long"),
        ("*foo", "leading_wildcard"),
        ("?foo", "leading_wildcard"),
        ("printer -*jet", "leading_wildcard"),
        ("*", "leading_wildcard"),
        (" ".join(f"word{i}" for i in range(13)), "too_many_terms"),
        ("", "empty"),
        ("   !!! ", "empty"),
        ("-printer", "empty"),
        ("p*", "prefix_too_short"),
        ("pr*", "prefix_too_short"),
    ],
)
def test_rejected_queries(ix: WhooshSearchIndex, text: str, code: str) -> None:
    ix.index([make_doc(1, "printer")])
    with pytest.raises(QueryRejected) as err:
        ix.search(q(text))
    assert err.value.code == code
    assert str(err.value)  # a human-readable message


def test_limits_are_inclusive_and_stop_words_do_not_count(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "printer")])
    assert ix.search(q(("printer " * 30)[:200])).total == 1
    ix.search(q(" ".join(f"word{i}" for i in range(12))))
    ix.search(q("how do you do it with the " + " ".join(f"word{i}" for i in range(12))))
    ix.search(q("why?"))  # a question mark is punctuation, not a wildcard


def test_prefix_expanding_to_too_many_terms_is_narrowed_not_rejected(ix: WhooshSearchIndex) -> None:
    many = " ".join(f"zqa{i:04d}" for i in range(600))
    few = " ".join(f"zka{i:02d}" for i in range(10))
    ix.index([make_doc(1, many), make_doc(2, few)])
    broad = ix.search(q("zqa*"))  # 600 terms: more than the whole query's budget
    assert ids(broad) == ["post:1"]
    assert broad.narrowed and broad.incomplete  # the app shows its "too broad" notice
    narrow = ix.search(q("zka*"))
    assert ids(narrow) == ["post:2"]
    assert not narrow.narrowed


# --- permissions --------------------------------------------------------------------------


@pytest.fixture
def forum(ix: WhooshSearchIndex) -> WhooshSearchIndex:
    ix.index(
        [
            make_doc(1, "widget public one", category_id=1),
            make_doc(2, "widget public two", category_id=1),
            make_doc(3, "widget staffroom secretword", category_id=2),
            make_doc(4, "widget hidden secretword", category_id=1, visible=False),
            make_doc(5, "widget announcement", category_id=None, kind="event", event_id=5, post_id=None),
        ]
    )
    return ix


def test_disallowed_categories_and_hidden_docs_never_leak(forum: WhooshSearchIndex) -> None:
    results = forum.search(q("widget", allowed_category_ids=frozenset({1}), per_page=100))
    assert set(ids(results)) == {"post:1", "post:2", "post:5"}
    assert results.total == 3
    assert all("secretword" not in hit.excerpt_html for hit in results.hits)
    secret = forum.search(q("secretword", allowed_category_ids=frozenset({1})))
    assert (secret.total, secret.hits) == (0, [])


def test_totals_and_pages_count_only_permitted_docs(forum: WhooshSearchIndex) -> None:
    pages = [forum.search(q("widget", allowed_category_ids=frozenset({1}), per_page=2, page=p)) for p in (1, 2, 3)]
    assert [r.total for r in pages] == [3, 3, 3]
    assert [len(r.hits) for r in pages] == [2, 1, 0]


def test_admins_and_staff_opt_in(forum: WhooshSearchIndex) -> None:
    assert found(forum, "widget") == {"post:1", "post:2", "post:3", "post:5"}
    assert found(forum, "secretword", include_hidden=True) == {"post:3", "post:4"}
    assert found(forum, "secretword", allowed_category_ids=frozenset({1}), include_hidden=True) == {"post:4"}


def test_permissions_follow_later_writes(forum: WhooshSearchIndex) -> None:
    member = {"allowed_category_ids": frozenset({1})}
    assert found(forum, "widget", **member) == {"post:1", "post:2", "post:5"}  # warms any cache
    forum.index(
        [
            make_doc(6, "widget later private", category_id=2),
            make_doc(7, "widget later hidden", category_id=1, visible=False),
            make_doc(2, "widget public two, now hidden", category_id=1, visible=False),
        ]
    )
    assert found(forum, "widget", **member) == {"post:1", "post:5"}
    assert forum.search(q("later", **member)).total == 0


def test_empty_allow_list_only_shows_uncategorised(forum: WhooshSearchIndex) -> None:
    assert found(forum, "widget", allowed_category_ids=frozenset()) == {"post:5"}


# --- filters ------------------------------------------------------------------------------


@pytest.fixture
def varied(ix: WhooshSearchIndex) -> WhooshSearchIndex:
    ix.index(
        [
            make_doc(
                1,
                "router reboot",
                category_id=1,
                author_username="Mario",
                created_at=datetime(2024, 3, 1, 0, 0, tzinfo=UTC),
                topic_solved=True,
            ),
            make_doc(
                2,
                "router reboot",
                category_id=2,
                author_username="luigi",
                created_at=datetime(2024, 3, 31, 23, 59, 59, tzinfo=UTC),
                topic_has_official=True,
            ),
            make_doc(
                3,
                "router reboot",
                category_id=3,
                author_username="Peach",
                created_at=datetime(2024, 4, 1, 0, 0, tzinfo=UTC),
                is_staff_post=True,
            ),
            # 01:30 in UTC+2 is still 31 March in UTC.
            make_doc(
                4,
                "router reboot",
                category_id=3,
                author_username="toad",
                created_at=datetime(2024, 4, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
            ),
            make_doc(
                5,
                "router reboot",
                kind="event",
                event_id=5,
                post_id=None,
                author_username="daisy",
                created_at=datetime(2024, 2, 1, tzinfo=UTC),
            ),
        ]
    )
    return ix


def test_category_filter(varied: WhooshSearchIndex) -> None:
    assert found(varied, "router", category_ids=frozenset({2, 3})) == {"post:2", "post:3", "post:4"}
    assert found(varied, "router", category_ids=frozenset({99})) == set()
    assert found(varied, "router", category_ids=frozenset()) == set()
    assert found(varied, "router", kinds=frozenset()) == set()
    # A filter can't widen permissions.
    assert found(varied, "router", category_ids=frozenset({2, 3}), allowed_category_ids=frozenset({1, 2})) == {"post:2"}


def test_author_filter_is_case_insensitive(varied: WhooshSearchIndex) -> None:
    assert found(varied, "router", author_username="MARIO") == {"post:1"}
    assert found(varied, "router", author_username="@Luigi") == {"post:2"}


def test_date_range_is_inclusive_in_utc_days(varied: WhooshSearchIndex) -> None:
    march = found(varied, "router", date_from=date(2024, 3, 1), date_to=date(2024, 3, 31))
    assert march == {"post:1", "post:2", "post:4"}
    assert found(varied, "router", date_from=date(2024, 4, 1)) == {"post:3"}
    assert found(varied, "router", date_to=date(2024, 2, 29)) == {"post:5"}
    assert found(varied, "router", date_from=date(2024, 4, 1), date_to=date(2024, 3, 1)) == set()


def test_flag_and_kind_filters(varied: WhooshSearchIndex) -> None:
    assert found(varied, "router", has_official=True) == {"post:2"}
    assert found(varied, "router", solved=True) == {"post:1"}
    assert found(varied, "router", solved=False) == {"post:2", "post:3", "post:4", "post:5"}
    assert found(varied, "router", staff_only=True) == {"post:3"}
    assert found(varied, "router", kinds=frozenset({"event"})) == {"post:5"}
    assert found(varied, "router", kinds=frozenset({"post"})) == {"post:1", "post:2", "post:3", "post:4"}


def test_filters_alone_browse_newest_first(varied: WhooshSearchIndex) -> None:
    results = varied.search(q("", author_username="toad"))
    assert ids(results) == ["post:4"]
    results = varied.search(q("-nothing", category_ids=frozenset({3})))
    assert ids(results) == ["post:3", "post:4"]  # 1 April UTC before 31 March UTC


@pytest.fixture
def topics(ix: WhooshSearchIndex) -> WhooshSearchIndex:
    ix.index(
        [
            make_doc(1, "it stopped working yesterday", title="Stampante bloccata", is_first_post=True, language="it"),
            make_doc(2, "same here, any news?", title="Stampante bloccata", topic_id=1, language="it"),
            make_doc(
                3,
                "la stampante fa rumore e la carta esce storta",
                title="Rumore strano",
                is_first_post=True,
                language="it",
            ),
            make_doc(
                4, "meetup with the stampante team", title="Stampante meetup", kind="event", event_id=4, post_id=None
            ),
        ]
    )
    return ix


def test_title_counts_for_opening_posts_only(topics: WhooshSearchIndex) -> None:
    # The reply (post:2) shares the topic title but doesn't mention it: no match.
    assert found(topics, "stampante") == {"post:1", "post:3", "post:4"}
    assert found(topics, "stampante", in_title=True) == {"post:1"}
    assert found(topics, "rumore", in_title=True) == {"post:3"}
    assert "<mark>rumore</mark>" in topics.search(q("rumore", in_title=True)).hits[0].excerpt_html


def test_title_match_ranks_first(topics: WhooshSearchIndex) -> None:
    results = topics.search(q("stampante", kinds=frozenset({"post"})))
    assert ids(results) == ["post:1", "post:3"]
    assert results.hits[0].score > results.hits[1].score > 0


def test_sort_newest(ix: WhooshSearchIndex) -> None:
    ix.index(
        [
            make_doc(1, "battery battery battery", created_at=BASE_TIME),
            make_doc(2, "battery", created_at=BASE_TIME + timedelta(days=2)),
            make_doc(3, "battery life", created_at=BASE_TIME + timedelta(days=1)),
        ]
    )
    assert ids(ix.search(q("battery")))[0] == "post:1"
    assert ids(ix.search(q("battery", sort="newest"))) == ["post:2", "post:3", "post:1"]


def test_pagination(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(n, f"keyboard {n}") for n in range(25)])
    pages = [ix.search(q("keyboard", page=p, per_page=10, sort="newest")) for p in (1, 2, 3, 4)]
    assert [len(r.hits) for r in pages] == [10, 10, 5, 0]
    assert {r.total for r in pages} == {25}
    seen = [doc_id for r in pages for doc_id in ids(r)]
    assert len(set(seen)) == 25
    assert seen[0] == "post:24"
    clamped = ix.search(q("keyboard", page=0, per_page=10_000))
    assert (clamped.page, clamped.per_page, len(clamped.hits)) == (1, 100, 25)


@pytest.mark.parametrize(
    ("text", "words", "filters"),
    [
        ("alpha", {"alpha"}, {}),
        ("bravo charlie", {"bravo", "charlie"}, {}),
        ("charlie", {"charlie"}, {"solved": True}),
        ("alpha bravo", {"alpha", "bravo"}, {"solved": False}),
    ],
)
def test_paging_filtered_results_matches_brute_force(
    ix: WhooshSearchIndex, text: str, words: set[str], filters: dict[str, Any]
) -> None:
    # Several segments, random permissions, AND-ed words, a filter and small pages: this
    # exercises Whoosh's skipping and block-quality shortcuts, which must not lose hits.
    rng = random.Random(7)
    vocab = ["alpha", "bravo", "charlie"]
    docs = [
        make_doc(
            n,
            " ".join(rng.choices(vocab, k=rng.randint(1, 12))),
            title=" ".join(rng.choices(vocab, k=2)),
            is_first_post=rng.random() < 0.3,  # their title words match (and score) too
            category_id=rng.choice([1, 2, 3, None]),
            visible=rng.random() > 0.2,
            topic_solved=rng.random() > 0.5,
        )
        for n in range(200)
    ]
    for start in range(0, len(docs), 40):
        ix.index(docs[start : start + 40])
    allowed = frozenset({1, 3})
    expected = {
        d.doc_id
        for d in docs
        if words <= set(d.body.split()) | (set(d.title.split()) if d.is_first_post else set())
        and d.visible
        and (d.category_id is None or d.category_id in allowed)
        and d.topic_solved == filters.get("solved", d.topic_solved)
    }
    for per_page in (3, 50):
        collected: list[str] = []
        scores: list[float] = []
        for page in range(1, 400):
            results = ix.search(q(text, allowed_category_ids=allowed, page=page, per_page=per_page, **filters))
            assert results.total == len(expected)
            if not results.hits:
                break
            collected += ids(results)
            scores += [hit.score for hit in results.hits]
        assert sorted(collected) == sorted(expected)
        assert scores == sorted(scores, reverse=True)


def test_hit_fields(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(7, "hello world", topic_id=3, category_id=9, author_username="Zelda", title="Greetings")])
    hit = ix.search(q("hello")).hits[0]
    assert (hit.doc_id, hit.kind, hit.post_id, hit.topic_id, hit.event_id) == ("post:7", "post", 7, 3, None)
    assert (hit.category_id, hit.author_username, hit.title) == (9, "Zelda", "Greetings")
    assert hit.created_at == BASE_TIME + timedelta(minutes=7)
    assert hit.created_at.tzinfo is not None


# --- excerpts -----------------------------------------------------------------------------


def _visible_text(excerpt: str) -> str:
    return re.sub(r"</?mark>", "", excerpt)


def test_excerpt_marks_words_and_escapes_everything_else(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "Try this: <script>alert('x')</script> then reboot the modem & wait")])
    excerpt = ix.search(q("modem")).hits[0].excerpt_html
    assert "<mark>modem</mark>" in excerpt
    assert "&lt;script&gt;" in excerpt
    assert "&amp;" in excerpt
    assert re.findall(r"<[^>]*>", excerpt) == ["<mark>", "</mark>"]


def test_excerpt_is_around_the_match(ix: WhooshSearchIndex) -> None:
    filler = "lorem ipsum dolor sit amet " * 40
    ix.index([make_doc(1, filler + "the firmware update fixed it " + filler)])
    excerpt = ix.search(q("firmware")).hits[0].excerpt_html
    assert "<mark>firmware</mark>" in excerpt
    assert excerpt.startswith("… ") and excerpt.endswith(" …")
    assert 100 <= len(_visible_text(excerpt)) <= 260


def test_excerpt_marks_stemmed_and_accented_forms(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "Les Réparations sont gratuites", language="fr")])
    assert "<mark>Réparations</mark>" in ix.search(q("reparation")).hits[0].excerpt_html


def test_excerpt_falls_back_to_start_of_body(ix: WhooshSearchIndex) -> None:
    body = "First <b>words</b> of the opening post. " + "more text " * 50
    ix.index([make_doc(1, body, title="Modem trouble", is_first_post=True)])
    excerpt = ix.search(q("modem")).hits[0].excerpt_html  # matched the title only
    assert excerpt.startswith("First &lt;b&gt;words&lt;/b&gt; of the opening post.")
    assert "<mark>" not in excerpt
    assert len(excerpt) < 260
    browse = ix.search(q("", author_username="mario")).hits[0].excerpt_html
    assert browse == excerpt


# --- interface, null backend, search box --------------------------------------------------


def test_backends_implement_the_protocol(index_dir: Path) -> None:
    assert isinstance(WhooshSearchIndex(index_dir), SearchIndex)
    assert isinstance(NullSearchIndex(), SearchIndex)


def test_null_index_accepts_writes_and_finds_nothing() -> None:
    null = NullSearchIndex()
    null.index([make_doc(1, "anything"), make_doc(2, "anything")])
    null.remove(["post:2"])
    assert null.doc_count() == 1
    results = null.search(q("anything", page=2, per_page=5))
    assert (results.hits, results.total, results.page, results.per_page) == ([], 0, 2, 5)
    with pytest.raises(QueryRejected) as err:
        null.search(q("*thing"))
    assert err.value.code == "leading_wildcard"
    null.clear()
    assert null.doc_count() == 0


def test_parse_query_box_extracts_filters() -> None:
    text, filters = parse_query_box(
        "printer @Mario category:Hardware-Help in:title is:solved has:official is:staff "
        'after:2024-01-01 before:2024-02-01 order:newest "paper jam" -laser'
    )
    assert text == 'printer "paper jam" -laser'
    assert filters == {
        "author_username": "Mario",
        "category": "hardware-help",
        "in_title": True,
        "solved": True,
        "has_official": True,
        "staff_only": True,
        "date_from": date(2024, 1, 1),
        "date_to": date(2024, 1, 31),  # before: is exclusive
        "sort": "newest",
    }


def test_parse_query_box_edge_cases() -> None:
    assert parse_query_box("IS:UNSOLVED modem") == ("modem", {"solved": False})
    assert parse_query_box('"is:solved @mario" -"a b"') == ('"is:solved @mario" -"a b"', {})
    assert parse_query_box("after:2024-13-45 mail@example.com") == ("after:2024-13-45 mail@example.com", {})
    assert parse_query_box("ask @luigi. is:solved is:unsolved") == (
        "ask",
        {"author_username": "luigi", "solved": False},
    )
    assert parse_query_box("") == ("", {})


def test_parsed_box_feeds_a_query(varied: WhooshSearchIndex) -> None:
    text, filters = parse_query_box("router @peach is:staff")
    query = SearchQuery(
        text=text,
        allowed_category_ids=None,
        author_username=filters.get("author_username"),
        staff_only=filters.get("staff_only", False),
    )
    assert ids(varied.search(query)) == ["post:3"]
    assert replace(query, staff_only=False, author_username="toad").has_filters
