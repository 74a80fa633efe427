"""The engine's vocabulary: watched words, their actions, hits and the errors it raises."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

CENSOR_CHAR = "■"
MAX_PATTERN_LENGTH = 500


class Action(StrEnum):
    """What the forum does when a watched word is found."""

    BLOCK = "block"
    CENSOR = "censor"
    REPLACE = "replace"
    REQUIRE_APPROVAL = "require_approval"
    FLAG = "flag"


def _norm_locale(locale: str) -> str:
    return locale.strip().lower().replace("-", "_")


@dataclass(frozen=True)
class WatchedWord:
    """One watched word/phrase/regex and what to do with it.

    ``categories``/``locales`` restrict where the entry applies; empty means everywhere.
    Locales are compared case-insensitively with ``-``/``_`` equivalent, and an entry
    for ``"it"`` also applies to ``"it_CH"``.
    """

    pattern: str
    action: Action
    replacement: str | None = None  # for REPLACE
    message: str | None = None  # for BLOCK: shown to the author (the community's default language)
    # The message in other languages, as sorted (language, text) pairs (hashable).
    messages: tuple[tuple[str, str], ...] = ()
    is_regex: bool = False
    whole_word: bool = True
    categories: frozenset[int] = frozenset()  # empty = all categories
    locales: frozenset[str] = frozenset()  # empty = all locales
    id: int | None = None

    def __post_init__(self) -> None:
        # Coerce the friendly forms the glue/DB layer will hand us ("censor", lists, "it-IT")
        # so equality/hashing and scope checks behave; frozen, hence object.__setattr__.
        object.__setattr__(self, "action", Action(self.action))
        object.__setattr__(self, "categories", frozenset(int(c) for c in self.categories))
        object.__setattr__(self, "locales", frozenset(_norm_locale(loc) for loc in self.locales))


@dataclass(frozen=True)
class Hit:
    """A match; ``start``/``end`` index the ORIGINAL text and ``text`` is that slice."""

    word: WatchedWord
    start: int
    end: int
    text: str


class InvalidPattern(ValueError):
    """A watched word that cannot be compiled; the message names the entry."""

    def __init__(self, word: WatchedWord | None, reason: str) -> None:
        self.word = word
        self.reason = reason
        super().__init__(f"{_describe(word)}: {reason}")


class ListParseError(ValueError):
    """A starter/import list line that is not ``action|pattern[|replacement]``."""

    def __init__(self, line_no: int, line: str, reason: str) -> None:
        self.line_no = line_no
        self.line = line
        self.reason = reason
        super().__init__(f"line {line_no}: {reason}: {line!r}")


def _describe(word: WatchedWord | None) -> str:
    if word is None:
        return "watched words"
    shown = word.pattern if len(word.pattern) <= 60 else word.pattern[:57] + "..."
    kind = "regex" if word.is_regex else "watched word"
    ident = f" #{word.id}" if word.id is not None else ""
    return f"{kind}{ident} {shown!r}"
