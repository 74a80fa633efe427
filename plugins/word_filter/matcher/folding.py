"""Step 1 of the normalisation: fold every character (case, accents, lookalikes, invisibles).

See the package documentation for what folding does; this module also defines which
characters are "inside a word" for the whole-word boundaries.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from .offsets import _OffsetMap

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
