"""Query building: the text, the user's filters and the permission sets, as Whoosh queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from datetime import time as dtime
from typing import Any

from whoosh import query as wq
from whoosh.searching import Searcher

from forum.search.analysis import LANGUAGES, analyze
from forum.search.index import SearchQuery
from forum.search.query import Clause, ParsedText

from .expansion import ExpansionPlan, Slot, search_field
from .schema import NO_CATEGORY, PERMISSION_CACHE_SIZE, TITLE_BOOST, term_text


def searched_languages(query: SearchQuery) -> tuple[str, ...]:
    """The languages whose stems a query's words are matched with: all of the community's by
    default (a member finds an Italian post with an Italian query whatever their own
    language), only one when the search is restricted to it."""
    return (query.language,) if query.language in LANGUAGES else LANGUAGES


def text_query(parsed: ParsedText, in_title: bool, plan: ExpansionPlan,
               languages: Sequence[str] = LANGUAGES) -> wq.Query | None:
    """OR of one query per language, or None when no language has anything to match.

    NullQuery (not None) when there were words but the prefixes matched no index term:
    that is "nothing found", not "only stop words".
    """
    branches: list[wq.Query] = []
    impossible = False
    for lang in languages:
        # Matching walks a single field per language: intersecting plain posting lists
        # costs ~30% less CPU than intersecting title-OR-body unions. First posts and
        # other title owners carry their title in body_<lang>; title_<lang> only adds the boost.
        field = search_field(lang, in_title)
        groups: list[wq.Query] = []
        for group in parsed.groups:
            alternatives = [q for clause in group if (q := clause_query(clause, lang, field, plan)) is not None]
            matchable = [q for q in alternatives if q is not wq.NullQuery]
            if alternatives and not matchable:
                # Whoosh's And drops NullQuery subqueries, which would make the AND looser:
                # a group that can't match means this language can't match.
                impossible = True
                break
            if matchable:
                groups.append(_or(matchable))
        else:
            if not groups:
                continue  # every word is a stop word in this language
            branches.append(_language_branch(parsed, in_title, lang, field, groups, plan))
    if branches:
        return _or(branches)
    return wq.NullQuery if impossible else None


def _language_branch(parsed: ParsedText, in_title: bool, lang: str, field: str,
                     groups: list[wq.Query], plan: ExpansionPlan) -> wq.Query:
    branch: wq.Query = groups[0] if len(groups) == 1 else wq.And(groups)
    excluded = [
        q for clause in parsed.excluded
        if (q := clause_query(clause, lang, field, plan, excluded=True)) not in (None, wq.NullQuery)
    ]
    if excluded:
        branch = wq.AndNot(branch, _or(excluded))
    if not in_title:
        title_words = [
            q
            for group in parsed.groups
            for clause in group
            if (q := clause_query(clause, lang, f"title_{lang}", plan)) not in (None, wq.NullQuery)
        ]
        if title_words:
            branch = wq.AndMaybe(branch, _or(title_words))
    return branch


def exclusion_query(parsed: ParsedText, in_title: bool, plan: ExpansionPlan,
                    languages: Sequence[str] = LANGUAGES) -> wq.Query | None:
    excluded = [
        q
        for lang in languages
        for clause in parsed.excluded
        if (q := clause_query(clause, lang, search_field(lang, in_title), plan, excluded=True))
        not in (None, wq.NullQuery)
    ]
    return _or(excluded) if excluded else None


def clause_query(clause: Clause, lang: str, field: str, plan: ExpansionPlan,
                 *, excluded: bool = False) -> wq.Query | None:
    """The clause in one field: None for stop words, NullQuery for a prefix with no terms."""
    boost = TITLE_BOOST if field.startswith("title_") else 1.0
    if clause.kind == "prefix":
        # The terms the budget granted, named one by one: a wq.Prefix would expand again,
        # to every term, behind the budget's back.
        terms = plan.terms(Slot(clause, field, excluded))
        if not terms:
            return wq.NullQuery
        return _or([wq.Term(field, term, boost=boost) for term in terms])
    words = analyze(lang, clause.text)
    if not words:
        return None
    if len(words) == 1:
        return wq.Term(field, words[0], boost=boost)
    return wq.Phrase(field, words, boost=boost)


def permission_sets(searcher: Searcher, query: SearchQuery,
                    cache: dict[Any, tuple[set[int] | None, set[int]]]) -> tuple[set[int] | None, set[int]]:
    """(allow, mask) document numbers for the category rules and visibility.

    Built from the postings of the ``category`` and ``visible`` terms and cached per
    searcher: the same few permission sets repeat across requests, and computing one
    is proportional to the documents it contains.
    """
    categories = _category_scope(query)
    key = (categories, query.include_hidden)
    if key in cache:
        return cache[key]
    reader = searcher.reader()
    allow: set[int] | None = None
    mask: set[int] = set()
    if categories is not None:
        present = [term_text(term) for term in reader.lexicon("category")]
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

def narrowing_query(query: SearchQuery) -> wq.Query | None:
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
    if query.language is not None:
        if query.language not in LANGUAGES:
            return wq.NullQuery
        parts.append(wq.Term("language", query.language))
    parts.extend(wq.Term("tags", tag.lower()) for tag in sorted(query.tags or ()))
    if query.kinds is not None:
        if not query.kinds:
            return wq.NullQuery
        parts.append(_or([wq.Term("kind", k) for k in sorted(query.kinds)]))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else wq.And(parts)


def _or(queries: list[wq.Query]) -> wq.Query:
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _category_scope(query: SearchQuery) -> frozenset[str] | None:
    """Indexed category values a search may return, or None for all of them."""
    scope: set[str] | None = None
    if query.allowed_category_ids is not None:
        # Uncategorised documents carry no category permission.
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

