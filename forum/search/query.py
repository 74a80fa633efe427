"""What people type in the search box: filter extraction, free-text syntax, abuse checks.

The free-text syntax is deliberately small and parsed here rather than by Whoosh's
``QueryParser``: words (AND by default), ``"quoted phrases"``, ``-exclusions``, ``OR``
between two items, and a trailing ``*`` for prefixes. Everything else (fields, ranges,
boosts, fuzzy ``~``, regexes, parentheses) is plain punctuation, so a user can never reach
an indexed field we did not mean to expose (``visible:false``) or an expensive query type.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal, TypedDict

from forum.search.analysis import LANGUAGES, WORD_PATTERN, all_stop_words, fold

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
# Planning a prefix looks at this many of its index terms at most (the most frequent of
# them are kept, see whoosh_backend.expansion): planning stays cheap however broad it is.
MAX_PREFIX_TERMS_SCANNED = 500
# One- and two-letter prefixes expand to a large share of the dictionary on any real forum
# (15-60 terms per language each on the benchmark forum); refuse them up front.
MIN_PREFIX_CHARS = 3
DEFAULT_MAX_PAGE = 50

RejectCode = Literal["too_long", "leading_wildcard", "too_many_terms", "empty", "prefix_too_short", "page_too_deep"]


class QueryRejected(ValueError):
    """The search text can't be run; ``code`` is stable so the app can translate it."""

    def __init__(self, code: RejectCode, message: str) -> None:
        super().__init__(message)
        self.code: RejectCode = code
        self.message = message


# --- search-box filters ---------------------------------------------------------------


class BoxFilters(TypedDict, total=False):
    """Filters typed in the box; keys mirror SearchQuery fields except ``category`` (a slug)."""

    author_username: str
    category: str
    in_title: bool
    solved: bool
    has_official: bool
    staff_only: bool
    date_from: date
    date_to: date
    language: str
    sort: Literal["newest"]
    tags: list[str]  # every ``tag:name`` typed (several: all of them), lower case


# A quoted phrase (possibly unterminated) or a run of anything else that is not a space.
# Filters are only recognised in the second kind, so `"is:solved"` stays searchable text.
_BOX_TOKEN = re.compile(r'"[^"]*(?:"|$)|[^\s"]+')
_AUTHOR = re.compile(r"@(\w[\w.\-]*)")
_CATEGORY = re.compile(r"category:([\w\-]+)", re.IGNORECASE)
_DATE = re.compile(r"(after|before):(\d{4}-\d{2}-\d{2})", re.IGNORECASE)
_LANGUAGE = re.compile(r"lang:([a-z]{2})", re.IGNORECASE)
_TAG = re.compile(r"tag:([\w\-]{1,40})", re.IGNORECASE)
_FLAGS: dict[str, BoxFilters] = {
    "in:title": {"in_title": True},
    "is:solved": {"solved": True},
    "is:unsolved": {"solved": False},
    "has:official": {"has_official": True},
    "is:staff": {"staff_only": True},
    "order:newest": {"sort": "newest"},
}


def parse_query_box(text: str) -> tuple[str, BoxFilters]:
    """Split the search box into free text and filters.

    ``@name``, ``category:slug``, ``in:title``, ``is:solved``, ``is:unsolved``,
    ``has:official``, ``is:staff``, ``tag:name`` (several: topics with all of them),
    ``after:YYYY-MM-DD`` (that day or later),
    ``before:YYYY-MM-DD`` (strictly earlier, so ``after:2024-05-01 before:2024-06-01``
    is May), ``lang:it`` (posts written in that language) and ``order:newest``. Unknown or
    malformed filters stay in the text; when a filter is repeated the last one wins. Never raises.
    """
    filters: BoxFilters = {}
    kept: list[str] = []
    last = 0
    for match in _BOX_TOKEN.finditer(text):
        token = match.group()
        found = None if token.startswith('"') else _box_filter(token)
        if found is None:
            continue
        if "tags" in found:  # tags add up (AND), unlike the other filters
            found = {"tags": [*filters.get("tags", []), *found["tags"]]}
        filters.update(found)
        kept.append(text[last : match.start()])
        last = match.end()
    kept.append(text[last:])
    # Cut the filters out of the original string instead of re-joining tokens, so `-"a b"`
    # keeps its minus glued to the phrase.
    return " ".join("".join(kept).split()), filters


def _box_filter(token: str) -> BoxFilters | None:
    flag = _FLAGS.get(token.lower())
    if flag is not None:
        return flag
    if match := _AUTHOR.fullmatch(token):
        # Trailing dots/dashes are sentence punctuation ("ask @mario."), not part of the name.
        name = match.group(1).rstrip(".-")
        return {"author_username": name} if name else None
    if match := _CATEGORY.fullmatch(token):
        return {"category": match.group(1).lower()}
    if match := _DATE.fullmatch(token):
        return _date_filter(match.group(1).lower(), match.group(2))
    return _keyword_filter(token)


def _keyword_filter(token: str) -> BoxFilters | None:
    """``lang:it`` and ``tag:name``."""
    if (match := _LANGUAGE.fullmatch(token)) and match.group(1).lower() in LANGUAGES:
        return {"language": match.group(1).lower()}
    if match := _TAG.fullmatch(token):
        return {"tags": [match.group(1).lower()]}
    return None


def _date_filter(keyword: str, value: str) -> BoxFilters | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    if keyword == "after":
        return {"date_from": day}
    return {"date_to": day - timedelta(days=1)}


# --- free-text syntax -------------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    """One searchable item: a word, a ``prefix*`` or a ``"phrase"``; ``text`` is as typed."""

    kind: Literal["word", "prefix", "phrase"]
    text: str


@dataclass(frozen=True)
class ParsedText:
    """Free text as an AND of OR-groups, minus exclusions."""

    groups: tuple[tuple[Clause, ...], ...]
    excluded: tuple[Clause, ...]
    term_count: int

    @property
    def is_empty(self) -> bool:
        return not self.groups


# Quoted phrase (unterminated runs to the end) or a run of non-space, non-quote characters;
# a leading "-" is captured separately so `-"a phrase"` and `-word` both work.
_TEXT_TOKEN = re.compile(r'(?P<neg>-?)(?:"(?P<phrase>[^"]*)(?:"|$)|(?P<chunk>[^\s"]+))')
_WORD = re.compile(WORD_PATTERN)
# "*foo", "?foo", "-*foo" or a bare "*"; a bare "?" or "??" is just punctuation.
_LEADING_WILDCARD = re.compile(r"^(?:[*?]+\w|\*+$)")


def parse_text(text: str) -> ParsedText:
    """Parse and check free text; raises QueryRejected for abusive text.

    Text with nothing to search for comes back ``is_empty``: whether that is an error
    depends on the filters (see ``index.parse_search_text``). Prefix expansion is checked
    later, against the index.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryRejected("too_long", f"Search text is limited to {MAX_QUERY_CHARS} characters.")
    items: list[tuple[bool, Clause] | Literal["OR"]] = []
    for match in _TEXT_TOKEN.finditer(text):
        negated = match.group("neg") == "-"
        phrase = match.group("phrase")
        if phrase is not None:
            if _WORD.search(phrase):
                items.append((negated, Clause("phrase", phrase)))
            continue
        chunk = match.group("chunk")
        if chunk == "OR" and not negated:
            items.append("OR")
            continue
        if _LEADING_WILDCARD.match(chunk):
            # Whoosh would have to scan the whole term dictionary for these.
            raise QueryRejected("leading_wildcard", "Search words can't start with * or ?.")
        clause = _chunk_clause(chunk)
        if clause is not None:
            items.append((negated, clause))

    # Distinct words, not counting stop words: a natural question ("how do I ... the ...")
    # shouldn't hit the limit, and repeats cost nothing extra.
    term_count = len(
        {
            folded
            for item in items
            if item != "OR"
            for word in _WORD.finditer(item[1].text)
            if (folded := fold(word.group())) not in all_stop_words()
        }
    )
    if term_count > MAX_TERMS:
        raise QueryRejected("too_many_terms", f"Use at most {MAX_TERMS} search words.")
    return _group(items, term_count)


def _chunk_clause(chunk: str) -> Clause | None:
    body = chunk.rstrip("*")
    words = [m.group() for m in _WORD.finditer(body)]
    if not words:
        return None
    if chunk.endswith("*") and len(words) == 1 and body == words[0]:
        if len(fold(body)) < MIN_PREFIX_CHARS:
            raise QueryRejected("prefix_too_short", f"Add at least {MIN_PREFIX_CHARS} letters before the *.")
        return Clause("prefix", body)
    # "e-mail", "wi-fi", "v2.1-beta": several tokens typed as one word match as a phrase.
    return Clause("word" if len(words) == 1 else "phrase", body)


def _group(items: list[tuple[bool, Clause] | Literal["OR"]], term_count: int) -> ParsedText:
    groups: list[list[Clause]] = []
    excluded: list[Clause] = []
    join_next = False
    for item in items:
        if item == "OR":
            # "OR" only joins two positive items; dangling or doubled ORs are ignored.
            join_next = bool(groups)
            continue
        negated, clause = item
        if negated:
            excluded.append(clause)
            join_next = False
        elif join_next:
            groups[-1].append(clause)
            join_next = False
        else:
            groups.append([clause])
    return ParsedText(tuple(tuple(g) for g in groups), tuple(excluded), term_count)


def reject_deep_page(max_page: int) -> QueryRejected:
    """The error for a results page past the cap (each page deeper costs a longer top list)."""
    return QueryRejected("page_too_deep", f"Only the first {max_page} pages of results can be shown.")


def reject_empty() -> QueryRejected:
    """The error for a search with neither words nor filters."""
    return QueryRejected("empty", "Type something to search for.")
