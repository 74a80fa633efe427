"""Watched-word lists as text (``action|pattern[|extra]`` lines) and the bundled starter lists."""

from __future__ import annotations

import re
from pathlib import Path

from .words import Action, ListParseError, WatchedWord, _norm_locale

STARTER_DIR = Path(__file__).resolve().parents[1] / "starter_lists"

def parse_list(text: str, *, locale: str | None = None) -> list[WatchedWord]:
    """Parse ``action|pattern[|replacement]`` lines (``#`` starts a comment line).

    * ``pattern`` is a word or phrase matched as whole words;
      ``*pattern*`` (a star at both ends) matches it as a substring;
      ``/regex/`` is an RE2 regular expression (may contain ``|``), matched as a substring.
    * The third field is the replacement for ``replace`` (required) and the message
      shown to the author for ``block`` (optional); other actions take no third field.
    * ``locale``, if given, scopes every entry to that locale (starter lists use this:
      French "con" is the Italian word for "with").
    """
    words: list[WatchedWord] = []
    locales = frozenset({locale}) if locale else frozenset()
    for line_no, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if line and not line.startswith("#"):
            words.append(_parse_line(line_no, line, locales))
    return words


def _parse_line(line_no: int, line: str, locales: frozenset[str]) -> WatchedWord:
    action_name, sep, rest = line.partition("|")
    if not sep:
        raise ListParseError(line_no, line, "expected action|pattern")
    try:
        action = Action(action_name.strip().lower())
    except ValueError:
        allowed = ", ".join(a.value for a in Action)
        raise ListParseError(line_no, line, f"unknown action (use one of: {allowed})") from None
    pattern, extra, is_regex, whole_word = _split_pattern(rest)
    if not pattern:
        raise ListParseError(line_no, line, "empty pattern")
    replacement = message = None
    if action is Action.REPLACE:
        if not extra:
            raise ListParseError(line_no, line, "replace needs a replacement: replace|word|replacement")
        replacement = extra
    elif action is Action.BLOCK:
        message = extra or None
    elif extra is not None:
        raise ListParseError(line_no, line, f"{action.value} takes no third field")
    return WatchedWord(pattern=pattern, action=action, replacement=replacement, message=message,
                       is_regex=is_regex, whole_word=whole_word, locales=locales)


def _split_pattern(rest: str) -> tuple[str, str | None, bool, bool]:
    """-> (pattern, third field or None, is_regex, whole_word)."""
    rest = rest.strip()
    if rest.startswith("/"):
        # A regex may itself contain "|": it ends at the first "/|" (then the third field
        # follows) or at the final "/". So a regex cannot contain "/|" itself.
        cut = rest.find("/|", 1)
        if cut > 0:
            return rest[1:cut], rest[cut + 2:].strip(), True, False
        if rest.endswith("/") and len(rest) > 1:
            return rest[1:-1], None, True, False
    pattern, sep, extra = rest.partition("|")
    pattern = pattern.strip()
    third = extra.strip() if sep else None
    if len(pattern) > 2 and pattern.startswith("*") and pattern.endswith("*"):
        return pattern[1:-1].strip(), third, False, False
    return pattern, third, False, True


def available_starter_lists() -> list[str]:
    """Locales that ship a starter list (e.g. ``["en", "fr", "it"]``)."""
    return sorted(p.stem for p in STARTER_DIR.glob("*.txt"))


_LANG_RX = re.compile(r"[a-z]{2,3}")


def load_starter_list(locale: str) -> list[WatchedWord]:
    """The bundled starter list for ``locale`` ("it", "it_IT" and "it-IT" all work).

    Entries are scoped to that language (see :func:`parse_list`). Raises ``LookupError``
    when no list exists for the language.
    """
    lang = _norm_locale(locale).split("_", 1)[0]
    path = STARTER_DIR / f"{lang}.txt"
    if not _LANG_RX.fullmatch(lang) or not path.is_file():
        available = ", ".join(available_starter_lists())
        raise LookupError(f"no starter list for locale {locale!r} (available: {available})")
    return parse_list(path.read_text(encoding="utf-8"), locale=lang)
