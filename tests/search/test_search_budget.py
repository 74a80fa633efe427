"""The bounds on one search's work: a shared prefix budget, a time budget, a page cap.

Engine tests use the real Whoosh index and the real collectors; only the clock is fake
where the time budget is tested, so the result does not depend on the machine's speed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from whoosh import query as wq

from forum.search import QueryRejected, WhooshSearchIndex
from forum.search.query import parse_text
from forum.search.whoosh_backend.expansion import ExpansionPlan
from forum.search.whoosh_backend.querying import text_query
from tests.factories import make_topic, make_user
from tests.search.test_engine import ids, make_doc, q

PREFIXES = ["zap", "zeb", "zic", "zol", "zur"]


@pytest.fixture
def ix(tmp_path: Path) -> Iterator[WhooshSearchIndex]:
    index = WhooshSearchIndex(tmp_path / "search-index", time_budget_seconds=30)  # only the term budget binds
    yield index
    index.close()


def _broad_docs(index: WhooshSearchIndex) -> None:
    """40 distinct terms per prefix, in bodies and (through the title) in title fields."""
    docs = []
    for n, prefix in enumerate(PREFIXES, start=1):
        words = " ".join(f"{prefix}{i:02d}x" for i in range(40))
        docs.append(make_doc(n, words, title=words, is_first_post=True))
    index.index(docs)


def _built_query(index: WhooshSearchIndex, text: str, max_expansions: int) -> tuple[wq.Query, ExpansionPlan]:
    with index._searcher() as searcher:
        plan = ExpansionPlan(parse_text(text), False, searcher.reader(), max_expansions)
        built = text_query(parse_text(text), False, plan)
    assert built is not None
    return built, plan


def _prefix_terms(built: wq.Query) -> list[tuple[str, str]]:
    leaves = list(built.leaves())
    assert not any(isinstance(leaf, wq.PatternQuery) for leaf in leaves)  # nothing left to expand
    return [(leaf.fieldname, leaf.text) for leaf in leaves if isinstance(leaf, wq.Term)]


def test_budget_is_shared_across_prefixes_fields_and_title_boost(ix: WhooshSearchIndex) -> None:
    _broad_docs(ix)
    text = " OR ".join(p + "*" for p in PREFIXES)
    built, plan = _built_query(ix, text, max_expansions=64)
    terms = _prefix_terms(built)
    assert len(terms) <= 64  # 5 prefixes x 40 terms x (body + title) would be 400
    assert plan.narrowed
    for prefix in PREFIXES:  # every prefix got its share, none took the whole budget
        mine = [t for t in terms if t[1].startswith(prefix)]
        assert 64 // (2 * len(PREFIXES)) <= len(mine) <= 64 // len(PREFIXES) + 1, prefix
    # Matching terms come first; the title boost only gets what they leave over.
    assert {field for field, _ in terms} == {"body_en"}
    built, plan = _built_query(ix, text, max_expansions=250)
    terms = _prefix_terms(built)
    assert len([t for t in terms if t[0] == "body_en"]) == 200
    assert len([t for t in terms if t[0] == "title_en"]) == 50
    assert plan.narrowed and plan.term_count == 250


def test_excluded_prefixes_count_against_the_budget(ix: WhooshSearchIndex) -> None:
    _broad_docs(ix)
    text = "zap* " + " ".join("-" + p + "*" for p in PREFIXES[1:])
    built, _plan = _built_query(ix, text, max_expansions=20)
    assert len(_prefix_terms(built)) <= 20


def test_narrowed_prefix_keeps_its_most_frequent_terms(tmp_path: Path) -> None:
    index = WhooshSearchIndex(tmp_path / "ix", max_expansions=3)
    rare = [make_doc(n, f"zfrrare{n:02d}") for n in range(1, 21)]
    common = [make_doc(100 + n, "zfrcommon") for n in range(5)]
    index.index(rare + common)
    results = index.search(q("zfr*", per_page=100))
    assert results.narrowed
    assert {f"post:{100 + n}" for n in range(5)} <= set(ids(results))
    assert results.total < 25
    index.close()


def test_narrowed_is_set_only_when_the_budget_dropped_terms(ix: WhooshSearchIndex) -> None:
    _broad_docs(ix)
    results = ix.search(q("zap01x OR zeb*"))  # 40 + 40 terms: over the default 64
    assert results.narrowed
    ix.index([make_doc(50, "zyxabc zyxabd")])
    results = ix.search(q("zyx*"))
    assert ids(results) == ["post:50"] and not results.narrowed and not results.incomplete


class StepClock:
    """A clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


def test_time_budget_returns_the_results_found_so_far(tmp_path: Path) -> None:
    # The clock is read once at the start, then once per candidate past the first page's
    # worth (5 here): a 3.5 s budget lets 3 more through, 8 in all.
    index = WhooshSearchIndex(tmp_path / "ix", time_budget_seconds=3.5, clock=StepClock())
    index.index([make_doc(n, "espresso grinder") for n in range(1, 31)])
    index.index([make_doc(99, "espresso hidden", visible=False)])  # a mask: FilterCollector path
    results = index.search(q("espresso", per_page=5))
    assert results.partial and results.incomplete and not results.narrowed
    assert results.total == 8
    assert len(results.hits) == 5
    assert "post:99" not in ids(results)
    index.close()


def test_zero_time_budget_still_serves_the_first_page(tmp_path: Path) -> None:
    index = WhooshSearchIndex(tmp_path / "ix", time_budget_seconds=0)
    index.index([make_doc(n, "espresso") for n in range(1, 11)])
    results = index.search(q("espresso", per_page=4))
    assert results.partial
    assert results.total == 4 and len(results.hits) == 4
    assert ids(index.search(q("espresso", per_page=4, page=2))) != []  # its own page's worth
    index.close()


def test_pages_past_the_cap_are_refused(tmp_path: Path) -> None:
    index = WhooshSearchIndex(tmp_path / "ix", max_page=3)
    index.index([make_doc(n, "espresso") for n in range(1, 6)])
    assert index.search(q("espresso", page=3, per_page=2)).hits  # the cap itself is served
    with pytest.raises(QueryRejected) as err:
        index.search(q("espresso", page=4, per_page=2))
    assert err.value.code == "page_too_deep"
    index.close()


def test_default_page_cap_is_50(ix: WhooshSearchIndex) -> None:
    ix.index([make_doc(1, "espresso")])
    ix.search(q("espresso", page=50))
    with pytest.raises(QueryRejected):
        ix.search(q("espresso", page=51))


@pytest.mark.parametrize("text", ["co*", "ca* OR pr*", "espresso -de*"])
def test_one_and_two_letter_prefixes_are_refused(ix: WhooshSearchIndex, text: str) -> None:
    ix.index([make_doc(1, "coffee espresso")])
    with pytest.raises(QueryRejected) as err:
        ix.search(q(text))
    assert err.value.code == "prefix_too_short"
    assert ids(ix.search(q("cof*"))) == ["post:1"]


# --- through the app -----------------------------------------------------------------------


@pytest.fixture
def app_config() -> dict[str, Any]:
    return {"SEARCH_BACKEND": "whoosh", "SEARCH_MAX_EXPANSIONS": 2, "SEARCH_MAX_PAGE": 5}


NOTICE = "This search was too broad: showing the first results. Refine your search to see more."


def test_narrowed_results_show_the_too_broad_notice(client: Any) -> None:
    author = make_user()
    for word in ("grinderalpha", "grinderbeta", "grindergamma", "grinderdelta"):
        make_topic(author, title=f"About {word}", body=f"the {word} works")
    html = client.get("/search", query_string={"q": "grinder*"}).get_data(as_text=True)
    assert NOTICE in html
    assert re.search(r'<article class="card search-hit">', html)  # results are still shown
    plain = client.get("/search", query_string={"q": "grinderalpha"}).get_data(as_text=True)
    assert NOTICE not in plain
    again = client.get("/search", query_string={"q": "grinderalpha"}).get_data(as_text=True)
    assert NOTICE not in again  # the notice does not linger into later pages


def test_short_prefix_and_deep_page_get_a_clear_message(client: Any) -> None:
    response = client.get("/search", query_string={"q": "gr*"})
    assert response.status_code == 400
    assert "Type at least 3 letters before the *." in response.get_data(as_text=True)
    response = client.get("/search", query_string={"q": "coffee", "page": "6"})
    assert response.status_code == 400
    assert "Only the first 5 pages of results can be shown." in response.get_data(as_text=True)
    assert client.get("/search", query_string={"q": "coffee", "page": "5"}).status_code == 200
