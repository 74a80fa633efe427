"""Text analysis for the search index: one analyzer per supported language.

Every analyzer runs the same pipeline: tokenize -> lowercase -> fold accents -> drop stop
words -> Snowball stem. Accents are folded *before* stemming on purpose: the stemmer then
sees "perché" and "perche" as the same input, so a query typed without accents always
produces the same term as the accented text in the index (stemming after folding would
let the stemmer treat the two spellings differently).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

LANGUAGES: tuple[str, ...] = ("en", "it", "fr")
DEFAULT_LANGUAGE = "en"

# Words are runs of word characters, optionally joined by dots ("v1.2", "e.g"). Apostrophes
# split, which is what French and Italian elisions need ("l'imprimante" -> "l", "imprimante").
WORD_PATTERN = r"\w+(\.?\w+)*"

# Longer "words" are base64 blobs, hashes or keyboard mashing: indexing them only bloats
# the term dictionary.
MAX_TOKEN_CHARS = 50


def fold(text: str) -> str:
    """Lowercase and strip accents exactly like the analyzers do (no stemming)."""
    return text.lower().translate(accent_map)


# Stock stop words we still index. Italian "perché" (why/because) opens most support
# questions and people type it without the accent ("perche"); dropping it made such
# searches silently empty in Italian.
KEPT_STOP_WORDS: dict[str, frozenset[str]] = {"it": frozenset({"perché"})}


@cache
def stop_words(language: str) -> frozenset[str]:
    """The language's stop words, accent-folded to match folded tokens."""
    kept = KEPT_STOP_WORDS.get(language, frozenset())
    return frozenset(fold(word) for word in stopwords_for_language(language) if word not in kept)


@cache
def all_stop_words() -> frozenset[str]:
    """Words that are a stop word in at least one supported language."""
    return frozenset().union(*(stop_words(lang) for lang in LANGUAGES))


@cache
def analyzer_for(language: str) -> Analyzer:
    """The analyzer for ``language`` (one of LANGUAGES); cached because stemming caches live in it."""
    if language not in LANGUAGES:
        raise ValueError(f"unsupported search language: {language!r}")
    return (
        RegexTokenizer(expression=WORD_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        # minsize=1 keeps single digits and letters ("model 3"); the stop lists already
        # cover the one-letter function words (French "l", "d", English "s", "t"...).
        | StopFilter(stoplist=stop_words(language), minsize=1, maxsize=MAX_TOKEN_CHARS)
        | StemFilter(lang=language, cachesize=100_000)
    )


@cache
def _stemmer(language: str) -> Callable[[str], str]:
    stemmer: Callable[[str], str] = stemmer_for_language(language)
    return stemmer


def stem(language: str, folded_word: str) -> str:
    """Stem one already-folded word with the language's Snowball stemmer."""
    result: str = _stemmer(language)(folded_word)
    return result


def analyze(language: str, text: str) -> list[str]:
    """Index terms for ``text`` in ``language`` (stop words removed, stemmed)."""
    return [token.text for token in analyzer_for(language)(text, mode="query")]
