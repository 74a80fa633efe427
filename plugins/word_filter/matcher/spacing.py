"""Step 2 of the normalisation: join spaced-out letters ("s.p.a.m" -> "spam")."""

from __future__ import annotations

from collections.abc import Sequence

from .folding import _RE2_WORD, _fold_text
from .offsets import _byte_to_char, _OffsetMap
from .re2_setup import options as _options
from .re2_setup import re2

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
