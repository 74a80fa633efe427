"""Compiling watched words into RE2 expressions (leetspeak, repeated letters, boundaries)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .folding import _FOLDED, _PLAIN_BOUNDARY, _PY_WORD, _RE2_NONWORD, _is_word_char, _learn
from .re2_setup import options as _options
from .re2_setup import re2
from .spacing import normalize
from .words import InvalidPattern, WatchedWord

# Leet characters each letter also matches, and the letter a leet char typed inside a
# pattern word stands for ("1" is ambiguous, so it gets its own i-or-l key).
_LEET_FOR = {"a": "4@", "e": "3", "i": "1!", "l": "1", "o": "0", "s": "5$", "t": "7+"}
_DELEET = {"4": "a", "@": "a", "3": "e", "1": "1", "!": "i", "0": "o", "5": "s", "$": "s",
           "7": "t", "+": "t"}
_LEET_SYMBOLS = "@$!+"
_EDGE_EXCLUDED = "!+"  # at a word's edge "!"/"+" are punctuation ("ciao!", "c++")


def _re2_literal(ch: str) -> str:
    if ch.isascii() and ch.isalnum():
        return ch
    return f"\\x{{{ord(ch):x}}}"


def _re2_class(chars: str) -> str:
    uniq = "".join(dict.fromkeys(chars))
    if len(uniq) == 1:
        return _re2_literal(uniq)
    return "[" + "".join(_re2_literal(c) for c in uniq) + "]"




@dataclass(frozen=True)
class _PlainProgram:
    regex: str  # RE2 pattern; group 1 is the matched word
    needs_letter: bool  # reject matches made only of digits/leet symbols
    symbolic: bool = False  # only symbols/emoji: must run on the real text, not the shadow


def _compile_plain(pattern: str, *, whole_word: bool, leet: bool) -> _PlainProgram:
    norm = normalize(pattern).strip()
    if not norm:
        raise ValueError("is empty once invisible characters are removed")
    token_rx = re.compile(f"[{_PY_WORD}{re.escape(_LEET_SYMBOLS) if leet else ''}]+")
    tokens = [m for m in token_rx.finditer(norm) if any(_is_word_char(c) for c in m.group())]
    if not tokens:
        # Only symbols/emoji ("🖕"): match them literally, anywhere; word boundaries make
        # no sense around characters that are themselves boundaries.
        return _PlainProgram("(" + "".join(_re2_literal(c) for c in norm) + ")", False, True)

    parts: list[str] = []
    for t_index, m in enumerate(tokens):
        if t_index:
            parts.append(f"{_PLAIN_BOUNDARY}+")  # any run of spaces/punctuation between words
        parts.append(_compile_token(m.group(), leet))
    body = "".join(parts)
    needs_letter = leet and any(c.isalpha() for c in norm)
    regex = f"{_PLAIN_BOUNDARY}({body}){_PLAIN_BOUNDARY}" if whole_word else f"({body})"
    return _PlainProgram(regex, needs_letter)


def _compile_token(token: str, leet: bool) -> str:
    """One pattern word -> RE2, applying the leet classes and the repeated-letter rule."""
    has_letter = any(c.isalpha() for c in token)
    # (key, literal): key is a letter (or "1" = i-or-l) for letter units, None for literals
    units: list[tuple[str | None, str]] = []
    for c in token:
        if c.isalpha():
            units.append((c, c))
        elif leet and has_letter and c in _DELEET:
            units.append((_DELEET[c], c))
        else:
            units.append((None, c))

    out: list[str] = []
    i = 0
    while i < len(units):
        key, literal = units[i]
        if key is None:
            out.append(_re2_literal(literal))
            i += 1
            continue
        j = i
        while j < len(units) and units[j][0] == key:
            j += 1
        count = j - i
        chars = "il1" if key == "1" else key + (_LEET_FOR.get(key, "") if leet else "")
        if i == 0 or j == len(units):
            chars = "".join(c for c in chars if c not in _EDGE_EXCLUDED)
        cls = _re2_class(chars)
        if count == 1:
            # once, or an evasive run of >= 3 (listed first so the whole run is reported)
            out.append(f"(?:{cls}{{3,}}|{cls})")
        elif count == 2:
            out.append(f"{cls}{{2,}}")
        else:
            out.append(f"{cls}{{{count},}}")
        i = j
    return "".join(out)


_RE2_ERRORS = (
    ("invalid perl operator: (?=", "lookahead (?=...) is not supported; RE2 keeps matching fast"),
    ("invalid perl operator: (?!", "negative lookahead (?!...) is not supported; RE2 keeps matching fast"),
    ("invalid perl operator: (?<", "lookbehind (?<=...) is not supported; RE2 keeps matching fast"),
    ("missing )", "has an unclosed '('"),
    ("unexpected )", "has a ')' without a matching '('"),
    ("missing ]", "has an unclosed '['"),
    ("invalid repetition size", "has a repetition count that is too large (max 1000)"),
    ("bad repetition operator", "has a misplaced or doubled repetition operator (*, + or ?)"),
    ("pattern too large", "is too large/complex to compile"),
)


_BACKREF_ERROR_RX = re.compile(r"invalid escape sequence: \\[1-9]")


def _humanize_re2_error(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else exc
    msg = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if _BACKREF_ERROR_RX.search(msg):
        return f"invalid regular expression: backreferences (\\1) are not supported; RE2 keeps matching fast ({msg})"
    for needle, human in _RE2_ERRORS:
        if needle in msg:
            return f"invalid regular expression: {human} ({msg})"
    return f"invalid regular expression: {msg}"


_REGEX_OPTIONS = _options(case_sensitive=False, max_mem=8 << 20)
_PLAIN_OPTIONS = _options(case_sensitive=True, max_mem=8 << 20)
# The Set's DFA state cache: a Set never falls back to a slower engine, it keeps flushing
# and rebuilding, so a generous budget keeps 1,000-word lists at one fast pass.
_SET_MAX_MEM = 64 << 20
_ANY_BYTE_RX = re.compile(r"(?<!\\)(?:\\\\)*\\C")


def _compile_regex(word: WatchedWord) -> str:
    pattern = word.pattern
    if _ANY_BYTE_RX.search(pattern):
        raise InvalidPattern(word, r"invalid regular expression: \C (any byte) is not allowed")
    # Fold non-ASCII literals like the text (ASCII chars may be regex syntax: left alone;
    # case is handled by case-insensitive matching).
    _learn(set(pattern))
    folded = "".join(c if c.isascii() else _FOLDED[c] for c in pattern)
    try:
        alone = re2.compile(folded, _REGEX_OPTIONS)
    except re2.error as exc:
        raise InvalidPattern(word, _humanize_re2_error(exc)) from None
    if alone.fullmatch("") is not None:
        raise InvalidPattern(word, "invalid regular expression: it matches empty text")
    if word.whole_word:
        return f"(?:^|{_RE2_NONWORD})((?:{folded}))(?:{_RE2_NONWORD}|$)"
    return f"((?:{folded}))"
