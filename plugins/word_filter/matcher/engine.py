"""The compiled list (:class:`Matcher`): one pass over a post, hits mapped to the original text."""

from __future__ import annotations

import bisect
import functools
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .folding import _BLANK_RX, _fold_text, _is_word_char
from .offsets import _byte_to_char, _utf8_len
from .patterns import (
    _PLAIN_OPTIONS,
    _REGEX_OPTIONS,
    _SET_MAX_MEM,
    _compile_plain,
    _compile_regex,
)
from .re2_setup import options as _options
from .re2_setup import re2
from .spacing import _join_spaced
from .words import CENSOR_CHAR, MAX_PATTERN_LENGTH, Action, Hit, InvalidPattern, WatchedWord, _describe, _norm_locale

log = logging.getLogger(__name__)

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
