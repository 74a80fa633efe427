"""Watched-words matching engine for the bundled ``word_filter`` plugin.

Pure Python (no Flask): the plugin glue turns database rows into :class:`WatchedWord`
objects, builds one :class:`Matcher` per list version and calls :meth:`Matcher.find`
on every post. The engine is designed to defeat the evasions that get past naive
watched-word filters, without flagging ordinary Italian / French / English text.

How text is matched
-------------------
Both the post and every plain pattern go through the same normalisation, so an admin
can type a word either way ("perché" or "perche") and it matches either spelling:

1. **Fold** each character: NFKD (fullwidth, mathematical alphanumerics, ligatures,
   circled letters ...), casefold (``ß``/``ẞ`` -> ``ss``), drop combining marks
   (accents, Zalgo noise), map a small explicit table of Cyrillic/Greek/small-caps
   lookalikes to Latin, and delete invisible characters (zero-width spaces/joiners,
   BOM, soft hyphen, bidi controls, Hangul fillers).
2. **Join spaced-out letters**: a run of at least three single characters (letters,
   digits, ``@``/``$``), each separated from the next by exactly one separator, the
   *same* one throughout the run, is joined: ``"s.p.a.m"``, ``"s p a m"``,
   ``"s-p-a-m"``, ``"s_p_a_m"``, ``"s*p*a*m"`` -> ``"spam"``. Separators: space, tab,
   newline, ``. - _ * / \\ | ~ ,`` and the bullets/dashes step 1 folds to them. The run
   must not touch a longer word on either side, so "a ss", "as s", "sp.am" or "c'è"
   stay as they are; two separators ("s  p  a  m", "a, b, c") or mixed ones
   ("s.p-a_m") never join, and "b.i.t.c.h é" keeps its "é" apart. Punctuation runs are
   joined before whitespace runs, so a letter between the two goes to the punctuation
   run ("s p a c e c.a.z.z.o" -> "space cazzo"). Known limit: a space-separated run
   followed by a one-letter word ("s p a m e poi") reads as one word ("spame").

Then each plain pattern becomes an RE2 expression in which:

* **Repeated letters**: a letter written once in the pattern matches the same letter
  once *or three or more times* in the text; a double letter matches two or more;
  a triple matches three or more. So "spam" matches "spaaaam" and "cazzo" matches
  "cazzzzo", while doubles that change meaning do not cross over: "fica" does not
  match "ficca", "ano" does not match "anno", "ass" does not match "as".
* **Leetspeak** (``leetspeak=True``): a letter also matches its leet stand-ins
  (``4 @``->a, ``3``->e, ``1 !``->i, ``1``->l, ``0``->o, ``5 $``->s, ``7 +``->t), and a
  leet character the admin typed inside a word matches the letter ("b1tch" matches
  "bitch"). A match must contain at least one real letter, so plain numbers never
  match ("10" is not "lo", "2024" matches nothing); ``!`` and ``+`` do not count as
  letters at the start or end of a word, so "ciao!" is still the word "ciao".
* **Whole word** (the default) means: not preceded or followed by a letter or digit
  of any script (after folding, so "façon", "contrôle" and "député" are single
  words: "con" and "pute" do not match inside them). Punctuation, emoji, ``_`` and
  leet symbols are boundaries. Substring entries match anywhere.
* Runs of spaces/punctuation inside a phrase pattern match any run of non-word
  characters ("figlio di puttana" matches "figlio-di  puttana").

Regex entries (``is_regex=True``) use RE2 syntax and run, case-insensitively, on the
text after steps 1-2 (folded, lowercase, accent-free, invisibles removed, spaced
letters joined); leet and repeat handling are *not* applied to them. Non-ASCII
literals in the pattern are folded the same way. ``whole_word`` wraps the regex in
the same word boundaries as plain entries; ``^``/``$`` are the ends of the post.
Patterns made only of symbols/emoji ("🖕") are matched literally, anywhere.

Safety and speed
----------------
RE2 runs in time linear in the text, so catastrophic patterns such as ``(a+)+$``
cannot hang the server; constructs RE2 refuses (backreferences, lookaround) raise
:class:`InvalidPattern` at construction with a human-readable message.
``regex_timeout`` is an extra per-``find()`` budget (seconds of CPU time of the calling
thread) for the regex entries: once it is used up, remaining regex entries are skipped
for that post and a warning is logged (plain entries are always fully checked).

All plain entries are compiled into one leftmost-first RE2 expression, used to jump
to each place where some entry starts, plus one anchored ``re2.Set`` that lists every
entry matching at that place: one pass over the post, whatever the list size. Every
hit is mapped back to offsets in the *original* text (``censor`` relies on it).
"""

from __future__ import annotations

import bisect
import functools
import logging
import re
import time
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

try:
    import re2
except ImportError as exc:  # pragma: no cover - exercised only on a broken install
    raise ImportError(
        "plugins.word_filter needs the 'google-re2' package (pip install google-re2): "
        "it provides the linear-time regex engine that keeps watched words safe."
    ) from exc

__all__ = [
    "CENSOR_CHAR",
    "Action",
    "Hit",
    "InvalidPattern",
    "ListParseError",
    "Matcher",
    "WatchedWord",
    "available_starter_lists",
    "load_starter_list",
    "normalize",
    "parse_list",
]

log = logging.getLogger(__name__)

CENSOR_CHAR = "■"
STARTER_DIR = Path(__file__).resolve().parent / "starter_lists"
MAX_PATTERN_LENGTH = 500


def _options(*, case_sensitive: bool, max_mem: int) -> re2.Options:
    opts = re2.Options()
    opts.log_errors = False  # errors are reported through InvalidPattern instead
    opts.case_sensitive = case_sensitive
    opts.max_mem = max_mem
    return opts


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
    message: str | None = None  # for BLOCK: shown to the author
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


# --------------------------------------------------------------------------------------
# Character folding
# --------------------------------------------------------------------------------------

# Letters and digits that count as "inside a word" for whole-word boundaries. Explicit
# ranges instead of \pL because RE2 compiles \pL into a huge automaton (≈25x slower to
# build a 1,000-word list); after folding, Latin text is plain a-z, so the ranges only
# need to cover the scripts that survive folding. Emoji, punctuation, symbols and "_"
# are deliberately outside: they separate words.
_WORD_RANGES: tuple[tuple[int, int], ...] = (
    (0x30, 0x39), (0x61, 0x7A), (0xAA, 0xAA), (0xB5, 0xB5), (0xBA, 0xBA),
    (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2FF),  # Latin-1 / Extended / IPA
    (0x370, 0x373), (0x376, 0x377), (0x37B, 0x37D), (0x386, 0x386),
    (0x388, 0x3FF),  # Greek
    (0x400, 0x481), (0x48A, 0x52F),  # Cyrillic
    (0x531, 0x556), (0x561, 0x587),  # Armenian
    (0x5D0, 0x5EA),  # Hebrew
    (0x620, 0x64A), (0x660, 0x669), (0x66E, 0x6D3), (0x6F0, 0x6FF),  # Arabic
    (0x900, 0x963), (0x966, 0xE7F),  # Indic scripts, Thai, Lao
    (0x10A0, 0x10FF), (0x1100, 0x11FF),  # Georgian, Hangul Jamo
    (0x1E00, 0x1FBC), (0x1FC2, 0x1FCC), (0x1FD0, 0x1FDB), (0x1FE0, 0x1FEC),
    (0x1FF2, 0x1FFC),  # Latin Extended Additional, Greek Extended
    (0x3041, 0x3096), (0x30A1, 0x30FA), (0x3400, 0x4DBF), (0x4E00, 0x9FFF),  # CJK
    (0xAC00, 0xD7A3),  # Hangul syllables
)


def _re2_class_body(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(
        f"\\x{{{lo:x}}}" if lo == hi else f"\\x{{{lo:x}}}-\\x{{{hi:x}}}" for lo, hi in ranges
    )


def _py_class_body(ranges: Iterable[tuple[int, int]]) -> str:
    return "".join(
        f"\\U{lo:08x}" if lo == hi else f"\\U{lo:08x}-\\U{hi:08x}" for lo, hi in ranges
    )


_RE2_WORD = _re2_class_body(_WORD_RANGES)
_RE2_NONWORD = f"[^{_RE2_WORD}]"  # boundary for regex entries, which see the real text
_PY_WORD = _py_class_body(_WORD_RANGES)
_PY_WORD_RX = re.compile(f"[{_PY_WORD}]")
_BLANK_RX = re.compile(f"[^\\x00-\\x7f{_PY_WORD}]")  # non-ASCII non-word: emoji, « », € ...
# Plain entries run on a "shadow" of the normalised text in which every non-ASCII non-word
# char (emoji, « », €, CJK punctuation ...) is a space (1:1 in characters, so offsets are
# shared). Their word boundary is then "any ASCII non-alphanumeric", a 4-range byte class,
# instead of a ~40-range Unicode class that, repeated in 1,000 entries, blows RE2's DFA
# cache (measured: 30x slower through the NFA fallback).
_PLAIN_BOUNDARY = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]"


def _is_word_char(ch: str) -> bool:
    return _PY_WORD_RX.match(ch) is not None


def _table(pairs: str) -> dict[str, str]:
    """'ab cd' -> {'a': 'b', 'c': 'd'}; keeps the tables below readable."""
    return {item[0]: item[1:] for item in pairs.split()}


# Lookalikes whose *uppercase* shape is the Latin letter: applied before casefolding,
# otherwise Greek "Η" (H) would casefold to "η" and read as "n".
_PRE_CASEFOLD = _table(
    "Αa Βb Εe Ζz Ηh Ιi Κk Μm Νn Οo Ρp Τt Υy Χx "  # Greek capitals
    "Аa Вb Еe Кk Мm Нh Оo Рp Сc Тt Хx Уy Ѕs Іi Јj Ԁd Һh Ӏl Ԛq Ԝw"  # Cyrillic capitals
)

# Lowercase lookalikes and Latin letters that NFKD does not decompose. Explicit and small
# on purpose (no network download of confusables.txt); extend when a new evasion shows up.
_POST_CASEFOLD = _table(
    # Cyrillic
    "аa вb гr еe кk мm нh оo пn рp сc тt уy хx ѕs іi јj ԁd һh ӏl ԛq ԝw үy ѵv ɡg "
    # Greek
    "αa βb γy δd εe ζz ηn ιi κk μu νv οo ρp τt υu χx ωw ϲc ϳj "
    # Armenian
    "օo սu հh "
    # Latin letters without a decomposition, IPA and small capitals
    "œoe æae øo đd ðd łl ħh ıi ȷj ŧt þth ĸk ŀl ƒf ɑa ɛe ɩi ʀr "
    "ᴀa ʙb ᴄc ᴅd ᴇe ꜰf ɢg ʜh ɪi ᴊj ᴋk ʟl ᴍm ɴn ᴏo ᴘp ʀr ꜱs ᴛt ᴜu ᴠv ᴡw ʏy ᴢz "
    # Punctuation variants folded to ASCII so separators/apostrophes behave uniformly
    "’' ‘' ʼ' ′' ‐- ‑- ‒- –- —- ―- −- •. ·. ∙. ‧. ⋅. ・."
)
# Negative circled / negative squared Latin capitals (🅐, 🅰 ...) have no decomposition.
for _base in (0x1F150, 0x1F170):
    for _i in range(26):
        _POST_CASEFOLD[chr(_base + _i)] = chr(ord("a") + _i)

# Invisible characters that are not format (Cf) characters: Hangul fillers, braille blank
# (looks like a space, so it becomes one), line/paragraph separators.
_SPECIAL = {"\u115f": "", "\u1160": "", "\u3164": "", "\uffa0": "", "\u2800": " ",
            "\u2028": "\n", "\u2029": "\n"}

_KIND_DROP = 0  # removed, no original characters attached to a neighbour (ZWSP, BOM ...)
_KIND_ATTACH = 1  # removed, but belongs to the previous character (combining marks)
_KIND_EXPAND = 2  # becomes two or more characters ("ß" -> "ss", "ﬁ" -> "fi")


def _map_chars(s: str, table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in s)


def _strip_marks(s: str) -> str:
    return "".join(c for c in s if unicodedata.category(c) not in ("Mn", "Me"))


def _fold_char(ch: str, depth: int = 0) -> str:  # noqa: PLR0911 - one exit per character kind
    """Fold one character: the per-character core of the normalisation (see module doc)."""
    if ch in _SPECIAL:
        return _SPECIAL[ch]
    cat = unicodedata.category(ch)
    if cat in ("Mn", "Me", "Cf"):
        return ""
    if cat == "Cs":  # lone surrogate: would break UTF-8 encoding for RE2
        return "\ufffd"
    if 0xAC00 <= ord(ch) <= 0xD7A3:
        return ch  # Hangul syllables: NFKD would split every one into jamo, for no gain
    if ch in _POST_CASEFOLD:
        return _POST_CASEFOLD[ch]
    s = _map_chars(_strip_marks(unicodedata.normalize("NFKD", ch)), _PRE_CASEFOLD)
    s = _strip_marks(unicodedata.normalize("NFKD", s.casefold()))
    s = _map_chars(s, _POST_CASEFOLD)
    # Second pass makes folding idempotent for the rare chains (e.g. a decomposition that
    # yields a lookalike that itself needs mapping).
    if depth >= 2:
        return s
    return "".join(c if c == ch or c.isascii() else _fold_char(c, depth + 1) for c in s)


# Caches shared by all matchers (folding is a pure function of the code point). Writes are
# idempotent, so concurrent threads filling them is harmless.
_FOLDED: dict[str, str] = {}
_CHANGED: set[str] = set()  # non-ASCII chars whose folded form differs
_IRREGULAR: dict[str, int] = {}  # non-ASCII chars whose folded form is not exactly 1 char
_BLANKS: dict[str, str] = {}  # char -> non-ASCII non-word chars its folded form contains
_NFKD_UNSAFE: set[str] = set()  # chars a whole-text NFKD pass would alter wrongly

# Combining marks stripped after the whole-text NFKD pass of the fast path.
_MARKS_RX = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a]")


_HANGUL_SPLIT_RX = re.compile("([\uac00-\ud7a3]+)")


def _nfkd_fold(s: str) -> str:
    """What the C-speed fast path does to a string (before the final lower())."""
    return _MARKS_RX.sub("", unicodedata.normalize("NFKD", s))


def _nfkd_fold_text(s: str) -> str:
    """:func:`_nfkd_fold` for a whole text, leaving Hangul syllables composed.

    NFKD would split every syllable into jamo (changing the length); folding keeps them
    as they are, so the pass runs on the text between them.
    """
    parts = _HANGUL_SPLIT_RX.split(s)
    if len(parts) == 1:
        return _nfkd_fold(s)
    return "".join(part if i % 2 else _nfkd_fold(part) for i, part in enumerate(parts))


def _learn(chars: Iterable[str]) -> None:
    for ch in chars:
        if ch in _FOLDED or ch.isascii():
            continue
        folded = _fold_char(ch)
        if folded != ch:
            _CHANGED.add(ch)
        if len(folded) != 1:
            if folded:
                _IRREGULAR[ch] = _KIND_EXPAND
            elif unicodedata.category(ch) in ("Mn", "Me"):
                _IRREGULAR[ch] = _KIND_ATTACH
            else:
                _IRREGULAR[ch] = _KIND_DROP
        blanks = "".join(c for c in folded if not c.isascii() and not _is_word_char(c))
        if blanks:
            _BLANKS[ch] = blanks
        # After the callbacks, the text holds folded forms of the special chars (which
        # must survive NFKD unchanged) and the fast chars (which NFKD folds correctly).
        if _nfkd_fold_text(folded) != folded:
            _NFKD_UNSAFE.add(ch)
        _FOLDED[ch] = folded


# Blocks whose characters are checked once for the fast path: Latin-1 to Cyrillic,
# Hebrew, Arabic, Latin/Greek extended, kana. CJK ideographs (no decomposition) fold to
# themselves and go in as ranges. Hangul syllables stay special so that their presence
# (which needs the slower NFKD pass of _nfkd_fold_text) is known without another scan.
_FAST_BLOCKS = ((0x80, 0x52F), (0x590, 0x6FF), (0x1E00, 0x1FFF), (0x3040, 0x30FF))
_FAST_RANGES = "\u3400-\u4dbf\u4e00-\u9fff"


@functools.cache
def _special_rx() -> re.Pattern[str]:
    """Non-ASCII chars that the fast path cannot fold by itself ("special" chars).

    A char is fast when ``NFKD + strip marks + lower`` gives exactly its folded form and
    it is a word char (blanks must be collected). Built once, lazily: ~3,000 code points.
    """
    fast: list[str] = []
    for lo, hi in _FAST_BLOCKS:
        for cp in range(lo, hi + 1):
            ch = chr(cp)
            _learn((ch,))
            if (ch not in _IRREGULAR and ch not in _BLANKS and ch not in _NFKD_UNSAFE
                    # str.lower() turns a word-final "Σ" into "ς" (fold says "σ"): keep any
                    # char that decomposes to Σ ("Σ", lunate "Ϲ" ...) on the exact path.
                    and "\u03a3" not in _nfkd_fold(ch)
                    and _nfkd_fold(ch).lower() == _FOLDED[ch]):
                fast.append(ch)
    body = "".join(f"\\U{ord(c):08x}" for c in fast)
    return re.compile(f"[^\\x00-\\x7f{body}{_FAST_RANGES}]")


# Above this many special chars a translate() pass beats one Python callback per char.
_TRANSLATE_THRESHOLD = 8000


class _OffsetMap:
    """Maps positions of a transformed string back to the string it came from.

    Only the irregular spots are stored (segments where k source chars became j != 1
    chars, or a char with combining marks attached); everything between them is 1:1
    with a constant shift, so building the map costs nothing for ordinary text.
    """

    __slots__ = ("new_end", "new_start", "old_end", "old_start")

    def __init__(self) -> None:
        self.new_start: list[int] = []
        self.new_end: list[int] = []
        self.old_start: list[int] = []
        self.old_end: list[int] = []

    def add(self, new_start: int, new_end: int, old_start: int, old_end: int) -> None:
        self.new_start.append(new_start)
        self.new_end.append(new_end)
        self.old_start.append(old_start)
        self.old_end.append(old_end)

    def _locate(self, i: int) -> tuple[int, int]:
        j = bisect.bisect_right(self.new_start, i) - 1
        if j < 0:
            return i, i + 1
        if i < self.new_end[j]:
            return self.old_start[j], self.old_end[j]
        base = self.old_end[j] + (i - self.new_end[j])
        return base, base + 1

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Source span covering transformed chars ``[start, end)`` (end > start)."""
        return self._locate(start)[0], self._locate(end - 1)[1]


_NON_ASCII_RX = re.compile(r"[^\x00-\x7f]")


def _fold_text(text: str) -> tuple[str, _OffsetMap | None, str]:
    """Step 1 of the normalisation.

    Returns the folded text, a map back to ``text`` (None = 1:1) and the non-ASCII
    non-word characters the folded text may contain (blanked in the plain-entry shadow).

    Fast path: only "special" chars (lookalikes, invisibles, ß, emoji ...) go through
    Python; accents and case are then folded for the whole text at C speed by NFKD +
    mark stripping + lower(), which the per-char tables were checked to agree with.
    """
    if text.isascii():
        return text.lower(), None, ""
    rx = _special_rx()
    specials = rx.findall(text)
    out, omap, blanks, use_nfkd, hangul = text, None, "", True, False
    if specials:
        present = set(specials)
        hangul = any("\uac00" <= c <= "\ud7a3" for c in present)
        # Membership tests, not set algebra with the caches: "set - dict.keys()" and
        # "set.isdisjoint(dict)" walk the whole (large) cache on every call.
        _learn([c for c in present if c not in _FOLDED])
        blanks = "".join(sorted({b for c in present if c in _BLANKS for b in _BLANKS[c]}))
        if any(c in _NFKD_UNSAFE for c in present):
            # Rare: a char whose folded form NFKD would mangle. Fold every non-ASCII char
            # in Python instead (fast chars are never blanks, so ``blanks`` still holds).
            use_nfkd, rx = False, _NON_ASCII_RX
        changed = [c for c in present if c in _CHANGED]
        if not use_nfkd or any(c in _IRREGULAR for c in changed):
            out, omap = _fold_pass(rx, text)
        elif changed:
            if len(specials) > _TRANSLATE_THRESHOLD:  # e.g. a long Russian post
                out = text.translate({ord(c): _FOLDED[c] for c in changed})
            else:
                folded = _FOLDED
                out = rx.sub(lambda m: folded[m[0]], text)
    if use_nfkd and not unicodedata.is_normalized("NFKD", out):
        out = _nfkd_fold_text(out) if hangul else _nfkd_fold(out)
    # lower() last: every char left is a fold fixed point, and str.lower() only changes
    # length for "İ", which folding has already replaced.
    return out.lower(), omap, blanks


def _fold_pass(rx: re.Pattern[str], text: str) -> tuple[str, _OffsetMap | None]:
    """Replace every char ``rx`` matches by its folded form, recording moved offsets."""
    folded = _FOLDED
    irregular = _IRREGULAR
    omap = _OffsetMap()
    delta = 0  # len(new) - len(old) so far

    def repl(m: re.Match[str]) -> str:
        nonlocal delta
        ch = m[0]
        value = folded.get(ch)
        if value is None:
            _learn((ch,))
            value = folded[ch]
        kind = irregular.get(ch)
        if kind is None:
            return value  # 1:1, offsets unchanged
        k = m.start()
        n = k + delta
        if kind == _KIND_ATTACH and k > 0:
            if omap.old_end and omap.old_end[-1] == k:
                if omap.new_end[-1] > omap.new_start[-1]:
                    omap.old_end[-1] = k + 1  # extend the irregular char we just emitted
                else:
                    omap.add(n, n, k, k + 1)
            else:
                omap.add(n - 1, n, k - 1, k + 1)  # previous (regular) char owns the mark
        else:
            omap.add(n, n + len(value), k, k + 1)
        delta += len(value) - 1
        return value

    out = rx.sub(repl, text)
    return out, (omap if omap.new_start else None)


# --------------------------------------------------------------------------------------
# Spaced-out letters
# --------------------------------------------------------------------------------------

_SEPARATORS = (".", "-", "_", "*", "/", "\\", "|", "~", ",")
_WHITESPACE = (" ", "\t", "\n")
_UNIT = f"[{_RE2_WORD}@$]"
_NOT_UNIT = f"[^{_RE2_WORD}@$]"


def _spaced_rx(separators: Sequence[str]) -> re2._Regexp:
    # One alternative per separator, so a run uses the same separator throughout
    # ("b.i.t.c.h é" stays "bitch é"). RE2 has no lookbehind: consume the char before and
    # after the run, report group 1, and restart at the end of the run so its trailing
    # char can lead the next one.
    runs = "|".join(f"{_UNIT}(?:\\x{{{ord(sep):x}}}{_UNIT}){{2,}}" for sep in separators)
    return re2.compile(f"(?:^|{_NOT_UNIT})({runs})(?:{_NOT_UNIT}|$)",
                       _options(case_sensitive=True, max_mem=8 << 20))


# Punctuation-separated runs are joined first, whitespace-separated ones second: a letter
# between a space and a dot belongs to the dotted (deliberate) run, both in
# "s p a c e c.a.z.z.o" and in "c.a.z.z.o s p a m".
_SPACED_PASSES = (_spaced_rx(_SEPARATORS), _spaced_rx(_WHITESPACE))


def _join_spaced(text: str) -> tuple[str, list[_OffsetMap]]:
    """Step 2: "s.p.a.m" -> "spam" (>= 3 single chars, each pair split by the same separator).

    Returns the joined text and the offset maps of the passes that changed something,
    innermost (closest to the joined text) first.
    """
    maps: list[_OffsetMap] = []
    for rx in _SPACED_PASSES:
        text, omap = _join_pass(rx, text)
        if omap is not None:
            maps.insert(0, omap)
    return text, maps


def _join_pass(rx: re2._Regexp, text: str) -> tuple[str, _OffsetMap | None]:
    data = text.encode("utf-8")
    runs: list[tuple[int, int]] = []
    m = rx.search(data)
    while m is not None:
        runs.append(m.span(1))
        m = rx.search(data, m.end(1))
    if not runs:
        return text, None
    to_char = _byte_to_char(data, text, {b for run in runs for b in run})
    omap = _OffsetMap()
    pieces: list[str] = []
    last = 0
    removed = 0
    for bs, be in runs:
        a, b = to_char[bs], to_char[be]
        pieces.append(text[last:a])
        pieces.append(text[a:b:2])  # units sit at even offsets of the run
        for i, p in enumerate(range(a + 1, b, 2)):
            g = p - removed - i
            omap.add(g, g, p, p + 1)
        removed += (b - a) // 2
        last = b
    pieces.append(text[last:])
    return "".join(pieces), omap


def normalize(text: str) -> str:
    """The normalised form the matcher sees (useful for admins' "test a word" UI)."""
    folded, _, _ = _fold_text(text)
    joined, _ = _join_spaced(folded)
    return joined


# --------------------------------------------------------------------------------------
# Pattern compilation
# --------------------------------------------------------------------------------------

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


# --------------------------------------------------------------------------------------
# Matcher
# --------------------------------------------------------------------------------------


@dataclass
class _Slot:
    """One distinct compiled expression, shared by identical entries (e.g. same word in
    two scopes), so each is scanned once per post."""

    regex: str
    needs_letter: bool
    entries: list[int]
    compiled: re2._Regexp | None = None  # with the capture group
    scanner: re2._Regexp | None = None  # without captures (regex entries): see _occurrences


class _Group:
    """Slots that are located together.

    ``positional`` groups (plain entries) compile all slots into one leftmost-first
    *finder* expression and an anchored ``re2.Set``: the finder jumps to the next place
    where any entry starts, the anchored Set then lists every entry matching right
    there. One pass over the post however many entries hit, instead of one full
    rescan per entry that occurs. Regex groups use an unanchored Set to learn which
    entries occur, then scan just those with full context (their own ``^``, ``\\B``
    ... need the whole text, not a suffix of it).
    """

    def __init__(self, options: re2.Options, *, positional: bool) -> None:
        self.options = options
        self.positional = positional
        self.slots: list[_Slot] = []
        self._by_regex: dict[tuple[str, bool], int] = {}
        self.set: re2.Set | None = None
        self.finder: re2._Regexp | None = None

    def add(self, regex: str, needs_letter: bool, entry: int) -> None:
        key = (regex, needs_letter)
        idx = self._by_regex.get(key)
        if idx is None:
            self._by_regex[key] = len(self.slots)
            self.slots.append(_Slot(regex, needs_letter, [entry]))
        else:
            self.slots[idx].entries.append(entry)

    def build(self) -> int | None:
        """Compile; returns the index of a slot RE2 refused (too large ...), -1 when the
        list as a whole is too large, else None."""
        if not self.slots:
            return None
        bad = self._build_set()
        if bad is not None:
            return bad
        return self._build_finder() if self.positional else self._build_each()

    def _build_set(self) -> int | None:
        opts = _options(case_sensitive=self.options.case_sensitive, max_mem=_SET_MAX_MEM)
        rset = re2.Set.MatchSet(opts) if self.positional else re2.Set.SearchSet(opts)
        for idx, slot in enumerate(self.slots):
            try:
                added = rset.Add(slot.regex)
            except re2.error:
                return idx
            if added != idx:  # pragma: no cover - RE2 numbers patterns in order
                raise RuntimeError("RE2 Set indices out of sync")
        try:
            rset.Compile()
        except re2.error:
            return -1
        self.set = rset
        return None

    def _build_finder(self) -> int | None:
        opts = _options(case_sensitive=self.options.case_sensitive, max_mem=_SET_MAX_MEM)
        opts.never_capture = True  # positions only; captures would slow the DFA path
        try:
            self.finder = re2.compile("|".join(f"(?:{s.regex})" for s in self.slots), opts)
        except re2.error:
            return -1
        return None

    def _build_each(self) -> int | None:
        # Regex entries are few: compile them now so the first post does not spend its
        # regex_timeout budget on compilation.
        opts = _options(case_sensitive=self.options.case_sensitive, max_mem=self.options.max_mem)
        opts.never_capture = True
        for idx, slot in enumerate(self.slots):
            try:
                slot.scanner = re2.compile(slot.regex, opts)
                self.regex(idx)
            except re2.error:
                return idx
        return None

    def regex(self, idx: int) -> re2._Regexp:
        slot = self.slots[idx]
        if slot.compiled is None:
            # Lazy: only entries that actually occur in some post need their own regex.
            slot.compiled = re2.compile(slot.regex, self.options)
        return slot.compiled


class Matcher:
    """Compiled watched-word list. Build once per list version; ``find`` is thread-safe.

    ``leetspeak`` turns the leet classes on/off for plain entries. ``regex_timeout`` is the
    CPU-time budget (seconds) per ``find()`` for regex entries (see the module doc).
    Raises :class:`InvalidPattern` naming the first entry that cannot be compiled.
    """

    def __init__(
        self,
        words: Iterable[WatchedWord],
        *,
        leetspeak: bool = True,
        regex_timeout: float = 0.05,
    ) -> None:
        self.words: tuple[WatchedWord, ...] = tuple(words)
        self.leetspeak = leetspeak
        self.regex_timeout = regex_timeout
        self._plain = _Group(_PLAIN_OPTIONS, positional=True)
        self._regex = _Group(_REGEX_OPTIONS, positional=False)
        for index, word in enumerate(self.words):
            self._validate(word)
            if word.is_regex:
                self._regex.add(_compile_regex(word), False, index)
            else:
                try:
                    program = _compile_plain(word.pattern, whole_word=word.whole_word, leet=leetspeak)
                except ValueError as exc:
                    raise InvalidPattern(word, str(exc)) from None
                group = self._regex if program.symbolic else self._plain
                group.add(program.regex, program.needs_letter, index)
        for group in (self._plain, self._regex):
            bad = group.build()
            if bad == -1:
                raise InvalidPattern(None, "the list is too large to compile as a whole: "
                                           "remove entries or simplify the regexes")
            if bad is not None:
                word = self.words[group.slots[bad].entries[0]]
                raise InvalidPattern(word, "is too large/complex to compile")

    @staticmethod
    def _validate(word: WatchedWord) -> None:
        if not word.pattern or not word.pattern.strip():
            raise InvalidPattern(word, "pattern is empty")
        if len(word.pattern) > MAX_PATTERN_LENGTH:
            raise InvalidPattern(word, f"pattern is longer than {MAX_PATTERN_LENGTH} characters")
        if word.action is Action.REPLACE and not word.replacement:
            raise InvalidPattern(word, "a 'replace' entry needs a replacement")

    # -- matching ------------------------------------------------------------------------

    def find(self, text: str, *, category_id: int | None = None, locale: str | None = None) -> list[Hit]:
        """All hits of in-scope entries, sorted by position.

        Entries with ``categories``/``locales`` apply only when ``category_id``/``locale``
        is given and matches. Every entry reports all its non-overlapping occurrences;
        different entries may overlap (``censor`` resolves that).
        """
        if not text or not self.words:
            return []
        loc = _norm_locale(locale) if locale else None
        folded, fold_map, blanks = _fold_text(text)
        joined, join_maps = _join_spaced(folded)
        in_scope = functools.cache(lambda i: self._in_scope(self.words[i], category_id, loc))

        spans: list[tuple[int, int, int]] = []  # (entry index, start, end) in ``joined``
        if self._plain.set is not None:
            # Padded so whole-word expressions can always consume a boundary char.
            shadow = f" {joined} "
            if blanks:
                shadow = _BLANK_RX.sub(" ", shadow)
            data = shadow.encode("utf-8")
            raw: list[tuple[int, int, int]] = []  # (entry index, byte start, byte end)
            self._scan_positional(self._plain, data, in_scope, raw)
            spans.extend((i, s - 1, e - 1) for i, s, e in _to_chars(raw, data, shadow))
        if self._regex.set is not None:
            # Unpadded: regex entries may use ^ and $.
            data = joined.encode("utf-8")
            raw = []
            # CPU time of this thread, not wall time: a busy server must not skip entries
            # because other processes got the CPU.
            deadline = time.thread_time() + self.regex_timeout
            self._scan_each(self._regex, data, in_scope, raw, deadline)
            spans.extend(_to_chars(raw, data, joined))
        if not spans:
            return []

        hits: list[Hit] = []
        for index, joined_start, joined_end in spans:
            start, end = joined_start, joined_end
            for join_map in join_maps:
                start, end = join_map.span(start, end)
            if fold_map is not None:
                start, end = fold_map.span(start, end)
            hits.append(Hit(self.words[index], start, end, text[start:end]))
        hits.sort(key=lambda h: (h.start, -h.end))
        return hits

    def _in_scope(self, word: WatchedWord, category_id: int | None, locale: str | None) -> bool:
        if word.categories and category_id not in word.categories:
            return False
        if word.locales:
            if locale is None:
                return False
            if locale not in word.locales and locale.split("_", 1)[0] not in word.locales:
                return False
        return True

    @staticmethod
    def _scan_positional(
        group: _Group,
        data: bytes,
        in_scope: Callable[[int], bool],
        raw: list[tuple[int, int, int]],
    ) -> None:
        finder, anchored = group.finder, group.set
        if finder is None or anchored is None:
            return
        view = memoryview(data)  # zero-copy suffixes for the anchored Set
        next_free: dict[int, int] = {}  # slot -> first byte a new hit may start at
        pos, size = 0, len(data)
        while pos < size:
            m = finder.search(data, pos)
            if m is None:
                break
            start = m.start()
            for idx in anchored.Match(view[start:]) or ():
                if start < next_free.get(idx, 0):
                    continue  # inside this entry's previous hit: keep hits non-overlapping
                slot = group.slots[idx]
                entries = [i for i in slot.entries if in_scope(i)]
                if not entries:
                    continue
                mm = group.regex(idx).match(data, start)
                if mm is None:  # pragma: no cover - the Set said it matches here
                    continue
                s, e = mm.span(1)
                if slot.needs_letter and not _has_letter(data, s, e):
                    continue
                raw.extend((i, s, e) for i in entries)
                next_free[idx] = e
            pos = start + 1

    def _scan_each(
        self,
        group: _Group,
        data: bytes,
        in_scope: Callable[[int], bool],
        raw: list[tuple[int, int, int]],
        deadline: float,
    ) -> None:
        found = group.set.Match(data) if group.set is not None else None
        for idx in sorted(found or ()):
            slot = group.slots[idx]
            entries = [i for i in slot.entries if in_scope(i)]
            if not entries:
                continue
            if time.thread_time() > deadline:
                log.warning(
                    "word_filter: regex budget of %.3fs exhausted; skipped %s and later regex entries",
                    self.regex_timeout, _describe(self.words[entries[0]]),
                )
                return
            for bs, be in _occurrences(group, idx, data):
                raw.extend((i, bs, be) for i in entries)

    # -- censoring -----------------------------------------------------------------------

    def censor(self, text: str, hits: Sequence[Hit]) -> str:
        """Apply CENSOR (mask with ``■`` per original character) and REPLACE hits.

        Other actions are left untouched. Where REPLACE hits overlap each other, the
        earliest (then longest) wins; a replacement takes precedence over masking, and
        overlapping CENSOR hits are merged.
        """
        for h in hits:
            if not (0 <= h.start < h.end <= len(text)) or text[h.start:h.end] != h.text:
                raise ValueError(f"hit {h.text!r} at {h.start}-{h.end} does not belong to this text")

        replaces: list[Hit] = []
        taken_until = -1
        for h in sorted((h for h in hits if h.word.action is Action.REPLACE),
                        key=lambda h: (h.start, -h.end)):
            if h.start >= taken_until:
                replaces.append(h)
                taken_until = h.end

        masks: list[list[int]] = []
        for s, e in sorted((h.start, h.end) for h in hits if h.word.action is Action.CENSOR):
            if masks and s <= masks[-1][1]:
                masks[-1][1] = max(masks[-1][1], e)
            else:
                masks.append([s, e])
        if not replaces and not masks:
            return text

        mask_starts = [m[0] for m in masks]
        out: list[str] = []

        def emit(a: int, b: int) -> None:
            # Copy text[a:b], masking whatever CENSOR intervals fall inside it.
            cur = a
            k = max(bisect.bisect_right(mask_starts, a) - 1, 0)
            while k < len(masks) and masks[k][0] < b:
                ms, me = max(masks[k][0], cur), min(masks[k][1], b)
                if ms < me:
                    out.append(text[cur:ms])
                    out.append(CENSOR_CHAR * (me - ms))
                    cur = me
                k += 1
            out.append(text[cur:b])

        pos = 0
        for h in replaces:
            emit(pos, h.start)
            out.append(h.word.replacement or "")
            pos = h.end
        emit(pos, len(text))
        return "".join(out)


def _occurrences(group: _Group, idx: int, data: bytes) -> list[tuple[int, int]]:
    """Non-overlapping byte spans of a regex entry's word (group 1) in ``data``.

    Scans with the capture-free compile: asking RE2 for group 1 makes it re-run the
    slow submatch engine over the whole match, which for a pattern like ``(.*a){20}``
    on a 100 KB post costs half a second. The word is instead the whole match minus the
    boundary character a whole-word expression consumes at each end; only when that is
    ambiguous (a match touching the very start/end of the text next to a non-word char)
    is the capturing regex asked.

    Whole-word expressions consume their boundary chars, so the next search restarts at
    the end of the word (its trailing boundary can lead the next match).
    """
    slot = group.slots[idx]
    scanner = slot.scanner or group.regex(idx)
    bounded = slot.regex.startswith("(?:^|")
    spans: list[tuple[int, int]] = []
    pos, size = 0, len(data)
    while pos <= size:
        m = scanner.search(data, pos)
        if m is None:
            break
        s, e = m.span()
        if bounded:
            s, e = _word_span(group, idx, data, s, e)
        if s < 0 or e <= s:  # empty match: step over it
            pos = max(m.end(), pos + 1)
            continue
        if slot.needs_letter and not _has_letter(data, s, e):
            pos = s + 1
            continue
        spans.append((s, e))
        pos = e
    return spans


def _word_span(group: _Group, idx: int, data: bytes, s: int, e: int) -> tuple[int, int]:
    """Strip the boundary chars ``(?:^|B)(word)(?:B|$)`` consumed from a whole match."""
    lead_ambiguous = s == 0 and not _starts_with_word_char(data, s)
    trail_ambiguous = e == len(data) and not _ends_with_word_char(data, e)
    if lead_ambiguous or trail_ambiguous:
        m = group.regex(idx).match(data, s, e)
        return m.span(1) if m is not None else (-1, -1)
    if s > 0:  # "^" cannot match here: one boundary char was consumed
        s += _utf8_len(data[s])
    if e < len(data):  # "$" cannot match here: one boundary char was consumed
        e -= 1
        while data[e] & 0xC0 == 0x80:  # back over UTF-8 continuation bytes
            e -= 1
    return s, e


def _utf8_len(lead: int) -> int:
    return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


def _starts_with_word_char(data: bytes, s: int) -> bool:
    if s >= len(data):
        return False
    return _is_word_char(data[s:s + _utf8_len(data[s])].decode("utf-8", "replace"))


def _ends_with_word_char(data: bytes, e: int) -> bool:
    if e <= 0:
        return False
    b = e - 1
    while b > 0 and data[b] & 0xC0 == 0x80:
        b -= 1
    return _is_word_char(data[b:e].decode("utf-8", "replace"))


def _has_letter(data: bytes, start: int, end: int) -> bool:
    """Leet/digit-only matches ("10" for "lo") are numbers, not words."""
    return any(c.isalpha() for c in data[start:end].decode("utf-8", "replace"))


def _to_chars(raw: list[tuple[int, int, int]], data: bytes, text: str) -> list[tuple[int, int, int]]:
    if not raw:
        return []
    to_char = _byte_to_char(data, text, {b for _, s, e in raw for b in (s, e)})
    return [(i, to_char[s], to_char[e]) for i, s, e in raw]


def _byte_to_char(data: bytes, text: str, offsets: set[int]) -> dict[int, int]:
    """UTF-8 byte offsets -> str offsets, in one incremental pass over the needed ones."""
    if len(data) == len(text):  # pure ASCII
        return {o: o for o in offsets}
    result: dict[int, int] = {}
    prev_b = prev_c = 0
    for off in sorted(offsets):
        prev_c += len(data[prev_b:off].decode("utf-8", "replace"))
        prev_b = off
        result[off] = prev_c
    return result


# --------------------------------------------------------------------------------------
# Lists
# --------------------------------------------------------------------------------------


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
