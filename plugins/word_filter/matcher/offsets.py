"""Mapping positions of a transformed text back to the original, and UTF-8 bytes to characters.

Folding and joining change a text's length; every hit must still point at the author's
own characters (``censor`` masks exactly those).
"""

from __future__ import annotations

import bisect


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


def _utf8_len(lead: int) -> int:
    return 1 if lead < 0x80 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4


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
