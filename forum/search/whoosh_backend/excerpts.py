"""Excerpts: the passage of a hit that matched, escaped, with the matched words in <mark>."""

from __future__ import annotations

import html
import re
from typing import Any

from whoosh import query as wq
from whoosh.highlight import BasicFragmentScorer, ContextFragmenter, Formatter, get_text, highlight

from forum.search.analysis import LANGUAGES, analyzer_for

from .schema import EXCERPT_CHARS, term_text

_WORDISH = re.compile(r"\w")


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


class Highlighter:
    """Finds the words to mark and cuts the excerpt (one per index: it keeps no per-query state)."""

    def __init__(self) -> None:
        # maxchars counts only the characters of words, so aim below EXCERPT_CHARS.
        self._fragmenter = ContextFragmenter(maxchars=EXCERPT_CHARS * 3 // 4, surround=EXCERPT_CHARS * 9 // 20)
        self._formatter = _MarkFormatter()

    def words(self, text_q: wq.Query | None, reader: Any) -> dict[str, frozenset[str]]:
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
                    words[lang].add(term_text(text))
        return {lang: frozenset(found) for lang, found in words.items()}

    def excerpt(self, body: str, lang: str, words: frozenset[str] | None) -> str:
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
