"""The whole query's prefix budget: which index terms each ``prefix*`` may stand for.

Whoosh expands ``Prefix("body_en", "co")`` into every matching term and scores each one's
postings, so the cost of a query grows with the *sum* of its expansions: 12 prefixes ×
3 language fields × (body + title boost) put ~1,000 terms into one query before this
budget existed. Here every expansion of the query is planned up front: each
(prefix clause, field) pair is a slot, the slots share ``max_expansions`` terms, and a slot
over its share keeps its most frequent terms (the ones most searches mean). The built query
then names those terms one by one, so nothing is expanded again behind the budget's back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from typing import Any

from forum.search.analysis import LANGUAGES, fold, stem
from forum.search.query import MAX_PREFIX_TERMS_SCANNED, MIN_PREFIX_CHARS, Clause, ParsedText

DEFAULT_MAX_EXPANSIONS = 64


@dataclass(frozen=True)
class Slot:
    """One prefix clause in one field; ``excluded`` keeps ``foo* -foo*`` as two slots."""

    clause: Clause
    field: str
    excluded: bool = False


def search_field(lang: str, in_title: bool) -> str:
    """The field a language's words are matched in (title owners repeat their title in body)."""
    return f"title_{lang}" if in_title else f"body_{lang}"


def clause_prefixes(clause: Clause, lang: str) -> list[str]:
    """The index prefixes a typed ``prefix*`` stands for in ``lang``, none inside another."""
    folded = fold(clause.text)
    # The typed prefix may run past the stem ("réparati*" vs stem "repar"), so also try the
    # stem of what was typed.
    prefixes = {folded}
    stemmed = stem(lang, folded)
    if len(stemmed) >= MIN_PREFIX_CHARS:
        prefixes.add(stemmed)
    return sorted(p for p in prefixes if not any(o != p and p.startswith(o) for o in prefixes))


class ExpansionPlan:
    """The terms every prefix slot of one query may use, within one shared budget.

    ``narrowed`` is True when some slot lost terms to the budget (or had more than
    ``MAX_PREFIX_TERMS_SCANNED`` to look at), i.e. when the results may miss matches.
    """

    def __init__(self, parsed: ParsedText, in_title: bool, reader: Any, max_expansions: int,
                 languages: Sequence[str] = LANGUAGES) -> None:
        self.max_expansions = max(0, max_expansions)
        self.narrowed = False
        self._reader = reader
        self._granted: dict[Slot, tuple[str, ...]] = {}
        matching, boosts = _slots(parsed, in_title, languages)
        candidates = {slot: self._candidates(slot) for slot in [*matching, *boosts]}
        # Matching slots first: a term there decides which documents match, a title-boost
        # term only reorders them, so boosts only get what matching left over.
        left = self._grant(matching, candidates, self.max_expansions)
        self._grant(boosts, candidates, left)

    def terms(self, slot: Slot) -> tuple[str, ...]:
        """The terms granted to ``slot``, most frequent first (empty for unplanned slots)."""
        return self._granted.get(slot, ())

    @property
    def term_count(self) -> int:
        """How many prefix terms the built query may contain in total."""
        return sum(len(terms) for terms in self._granted.values())

    def _candidates(self, slot: Slot) -> list[str]:
        lang = slot.field.rpartition("_")[2]
        from_bytes = self._reader.schema[slot.field].from_bytes
        frequency: dict[str, int] = {}
        for prefix in clause_prefixes(slot.clause, lang):
            # A bounded look at the term list: a prefix with thousands of terms costs no
            # more to plan than one with MAX_PREFIX_TERMS_SCANNED.
            scanned = list(islice(self._reader.iter_prefix(slot.field, prefix), MAX_PREFIX_TERMS_SCANNED + 1))
            if len(scanned) > MAX_PREFIX_TERMS_SCANNED:
                self.narrowed = True
                scanned = scanned[:MAX_PREFIX_TERMS_SCANNED]
            for raw, info in scanned:
                frequency[from_bytes(raw)] = info.doc_frequency()
        return sorted(frequency, key=lambda term: (-frequency[term], term))

    def _grant(self, slots: list[Slot], candidates: dict[Slot, list[str]], budget: int) -> int:
        """Share ``budget`` among ``slots`` (water-filling); returns what is left over."""
        # Smallest demands first: a slot that needs less than an equal share takes only what
        # it needs, and the rest flows to the broader prefixes after it.
        ordered = sorted(slots, key=lambda slot: len(candidates[slot]))
        left = budget
        for position, slot in enumerate(ordered):
            wanted = candidates[slot]
            share = min(len(wanted), left // (len(ordered) - position))
            if share < len(wanted):
                self.narrowed = True
            self._granted[slot] = tuple(wanted[:share])
            left -= share
        return left


def _slots(parsed: ParsedText, in_title: bool, languages: Sequence[str]) -> tuple[list[Slot], list[Slot]]:
    """(matching slots, title-boost slots) of every prefix clause, in each searched language's field."""
    matching: dict[Slot, None] = {}
    boosts: dict[Slot, None] = {}
    positive = [clause for group in parsed.groups for clause in group if clause.kind == "prefix"]
    excluded = [clause for clause in parsed.excluded if clause.kind == "prefix"]
    for lang in languages:
        field = search_field(lang, in_title)
        _add(matching, (Slot(clause, field) for clause in positive))
        _add(matching, (Slot(clause, field, excluded=True) for clause in excluded))
        if not in_title:
            _add(boosts, (Slot(clause, f"title_{lang}") for clause in positive))
    return list(matching), list(boosts)


def _add(slots: dict[Slot, None], new: Iterable[Slot]) -> None:
    # A dict keeps the first-seen order and drops repeats ("co* OR co*" is one slot).
    for slot in new:
        slots.setdefault(slot, None)
