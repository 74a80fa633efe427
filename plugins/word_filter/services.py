"""Word filter rules: the watched-word list, the verdicts on text, the admin test screen.

The compiled :class:`Matcher` is cached per process and rebuilt only when the list changes:
every change writes a new random token in the plugin's state (``plugin_state``, kept with the
community settings, which are loaded once per request anyway), so all worker processes
notice it without an extra query.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from forum.plugins import (
    Draft,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    Verdict,
    audit,
    combine,
    db,
    default_language,
    languages,
    localized,
    localized_plugin_setting,
    plugin_setting,
    plugin_state,
    set_plugin_state,
    translation_field,
)
from forum.plugins.community import categories, is_admin

from .matcher import (
    STARTER_DIR,
    Action,
    Hit,
    InvalidPattern,
    ListParseError,
    Matcher,
    WatchedWord,
    available_starter_lists,
    normalize,
    parse_list,
)
from .models import WordFilterEntry

log = logging.getLogger(__name__)

PLUGIN_ID = "word_filter"
MAX_IMPORT_CHARS = 300_000
MAX_ENTRIES = 20_000
LIST_LIMIT = 500

_lock = threading.Lock()
_cache: dict[str, Any] = {"key": None, "matcher": None}


# --- the compiled list -------------------------------------------------------------------------

def _version() -> str | None:
    value = plugin_state(PLUGIN_ID)
    return str(value) if value else None


def _bump_version() -> None:
    set_plugin_state(PLUGIN_ID, secrets.token_hex(8))  # committed with the change to the list


def _build(words: list[WatchedWord], leetspeak: bool) -> Matcher:
    try:
        return Matcher(words, leetspeak=leetspeak)
    except InvalidPattern as exc:
        # Entries are checked when saved; one that slipped in (a manual SQL edit) is skipped, not fatal.
        log.error("word_filter: skipping %s", exc)
        rest = [w for w in words if w != exc.word]
        if len(rest) == len(words):
            return Matcher([], leetspeak=leetspeak)
        return _build(rest, leetspeak)


def current_matcher() -> Matcher | None:
    """The matcher for the current list, or None when the list is empty."""
    leetspeak = bool(plugin_setting(PLUGIN_ID, "leetspeak", True))
    version = _version()
    key = f"{version}:{leetspeak}"
    if version is not None and _cache["key"] == key:
        return _cache["matcher"]
    words = [row.to_word() for row in db.session.scalars(select(WordFilterEntry).order_by(WordFilterEntry.id))]
    matcher = _build(words, leetspeak) if words else None
    if version is not None:  # rows written outside the services carry no version: never cache them
        with _lock:
            _cache["key"], _cache["matcher"] = key, matcher
    return matcher


# --- verdicts ------------------------------------------------------------------------------------

def _quoted(hits: Iterable[Hit], limit: int = 8) -> str:
    seen: list[str] = []
    for h in hits:
        if h.text not in seen:
            seen.append(h.text)
    shown = ", ".join(f"“{t}”" for t in seen[:limit])
    return shown + (", …" if len(seen) > limit else "")


def verdicts_for(matcher: Matcher, draft: Draft, category_id: int | None, locale: str | None
                 ) -> tuple[list[Verdict], list[Hit]]:
    """The plugin's verdicts on a draft (the title is censored in place) and every hit.

    Each verdict's ``code`` is the action that caused it: ``block``, ``require_approval``,
    ``flag``, or ``censor`` for the rewrite (censored and replaced words alike)."""
    body_hits = matcher.find(draft.raw, category_id=category_id, locale=locale)
    title_hits = matcher.find(draft.title, category_id=category_id, locale=locale) if draft.title else []
    hits = title_hits + body_hits
    if not hits:
        return [], hits
    blocks = [h for h in hits if h.word.action is Action.BLOCK]
    if blocks:
        first = blocks[0]
        message = (block_message(first.word)
                   or _("Your text contains “%(word)s”, which is not allowed here. Please change it.",
                        word=first.text))
        return [Verdict.reject(message, reason=_("Blocked word: %(words)s", words=_quoted(blocks)),
                               code=Action.BLOCK.value)], hits
    verdicts: list[Verdict] = []
    held = [h for h in hits if h.word.action is Action.REQUIRE_APPROVAL]
    if held:
        verdicts.append(Verdict.require_approval(_("Watched words: %(words)s", words=_quoted(held)),
                                                 code=Action.REQUIRE_APPROVAL.value))
    flagged = [h for h in hits if h.word.action is Action.FLAG]
    if flagged:
        verdicts.append(Verdict.flag(_("Watched words: %(words)s", words=_quoted(flagged)), code=Action.FLAG.value))
    changed = [h for h in hits if h.word.action in (Action.CENSOR, Action.REPLACE)]
    if changed:
        new_raw = matcher.censor(draft.raw, body_hits)
        if title_hits and draft.title:
            draft.title = matcher.censor(draft.title, title_hits)
        verdicts.append(Verdict.rewrite(new_raw, reason=_("Censored: %(words)s", words=_quoted(changed)),
                                        code=Action.CENSOR.value))
    return verdicts, hits


def block_message(word: WatchedWord) -> str:
    """What the author of a blocked text reads, in their own language: the entry's message,
    else the plugin's "block" message, each in that language or else the default one's ("" when
    the admin wrote neither: the caller names the word)."""
    own = {default_language(): word.message or "", **dict(word.messages)}
    if any(own.values()):
        return localized(own)
    return localized_plugin_setting(PLUGIN_ID, "block_message")


def judge(draft: Draft, context: Any) -> list[Verdict] | None:
    """The ``forum_filter_post`` implementation, for every kind of text alike: topics and their
    titles, replies, edits (with the edited post's category and language, so scoped entries
    apply as they did to the post), meetups (their category) and profile text (no category:
    only entries for every category apply)."""
    matcher = current_matcher()
    if matcher is None:
        return None
    verdicts, _hits = verdicts_for(matcher, draft, getattr(context, "category_id", None),
                                   getattr(context, "locale", None))
    return verdicts or None


# --- the admin test screen ---------------------------------------------------------------------

@dataclass
class TrialResult:
    text: str
    hits: list[Hit]
    verdicts: list[Verdict]
    outcome: Verdict
    censored: str
    normalized: str
    segments: list[tuple[str, bool]] = field(default_factory=list)  # (text, is a hit)


def _segments(text: str, hits: list[Hit]) -> list[tuple[str, bool]]:
    spans: list[list[int]] = []
    for s, e in sorted((h.start, h.end) for h in hits):
        if spans and s <= spans[-1][1]:
            spans[-1][1] = max(spans[-1][1], e)
        else:
            spans.append([s, e])
    out: list[tuple[str, bool]] = []
    pos = 0
    for s, e in spans:
        if s > pos:
            out.append((text[pos:s], False))
        out.append((text[s:e], True))
        pos = e
    if pos < len(text):
        out.append((text[pos:], False))
    return out


def try_text(admin: Any, text: str, *, category_id: int | None = None, locale: str | None = None
             ) -> TrialResult:
    """What the filter would do with ``text`` posted in that category and language."""
    if not is_admin(admin):
        raise PermissionDenied()
    text = text.replace("\r\n", "\n")
    matcher = current_matcher()
    if matcher is None:
        return TrialResult(text, [], [], Verdict.allow(), text, normalize(text), [(text, False)] if text else [])
    verdicts, hits = verdicts_for(matcher, Draft(raw=text), category_id, locale or None)
    verdicts = [dataclasses.replace(v, plugin=PLUGIN_ID) for v in verdicts]  # as the manager names them
    return TrialResult(text=text, hits=hits, verdicts=verdicts, outcome=combine(verdicts),
                       censored=matcher.censor(text, hits), normalized=normalize(text),
                       segments=_segments(text, hits))


# --- the list --------------------------------------------------------------------------------------

def list_entries(*, q: str | None = None, action: str | None = None, limit: int = LIST_LIMIT
                 ) -> tuple[list[WordFilterEntry], int]:
    """Entries matching the filters (newest first, at most ``limit``) and how many match."""
    query = select(WordFilterEntry)
    if q:
        like = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(WordFilterEntry.pattern.ilike(like, escape="\\"),
                                WordFilterEntry.replacement.ilike(like, escape="\\")))
    if action:
        query = query.where(WordFilterEntry.action == action)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.session.scalars(query.order_by(WordFilterEntry.id.desc()).limit(limit)).all()
    return list(rows), int(total)


def counts_by_action() -> dict[str, int]:
    rows = db.session.execute(select(WordFilterEntry.action, func.count()).group_by(WordFilterEntry.action))
    return {str(a): int(n) for a, n in rows}


def get_entry(entry_id: int) -> WordFilterEntry:
    entry = db.session.get(WordFilterEntry, entry_id)
    if entry is None:
        raise NotFound()
    return entry


def _supported_locales() -> set[str]:
    return {code for code, _name in languages()}


def _clean(admin: Any, data: dict[str, Any]) -> dict[str, Any]:
    pattern = str(data.get("pattern") or "").strip()
    if not pattern:
        raise ValidationFailed({"pattern": _("Enter a word, a phrase or a regular expression.")})
    try:
        action = Action(str(data.get("action") or ""))
    except ValueError:
        raise ValidationFailed({"action": _("Choose an action.")}) from None
    replacement = str(data.get("replacement") or "").strip() or None
    message = str(data.get("message") or "").strip() or None
    if action is Action.REPLACE and not replacement:
        raise ValidationFailed({"replacement": _("Enter the text that replaces the word.")})
    if replacement and len(replacement) > 200:
        raise ValidationFailed({"replacement": _("Use at most %(n)d characters.", n=200)})
    if message and len(message) > 500:
        raise ValidationFailed({"message": _("Use at most %(n)d characters.", n=500)})
    message_translations = {code: text for code, raw in (data.get("message_translations") or {}).items()
                            if code in _supported_locales() and code != default_language()
                            and (text := str(raw or "").strip())} if action is Action.BLOCK else {}
    for code, text in message_translations.items():
        if len(text) > 500:
            raise ValidationFailed({translation_field("message", code): _("Use at most %(n)d characters.", n=500)})
    category_ids = sorted({int(c) for c in data.get("category_ids") or []})
    if set(category_ids) - {c.id for c in categories(admin)}:
        raise ValidationFailed({"category_ids": _("Choose categories from the list.")})
    locales = sorted({str(loc) for loc in data.get("locales") or []})
    if set(locales) - _supported_locales():
        raise ValidationFailed({"locales": _("Choose languages from the list.")})
    cleaned: dict[str, Any] = {"pattern": pattern, "action": action.value,
                               "replacement": replacement if action is Action.REPLACE else None,
                               "message": message if action is Action.BLOCK else None,
                               "message_translations": message_translations,
                               "is_regex": bool(data.get("is_regex")), "whole_word": bool(data.get("whole_word")),
                               "category_ids": category_ids, "locales": locales}
    word = WatchedWord(pattern=pattern, action=action, replacement=cleaned["replacement"],
                       is_regex=cleaned["is_regex"], whole_word=cleaned["whole_word"])
    try:
        Matcher([word], leetspeak=bool(plugin_setting(PLUGIN_ID, "leetspeak", True)))
    except InvalidPattern as exc:
        raise ValidationFailed({"pattern": _("This pattern cannot be used: %(reason)s", reason=exc.reason)}
                               ) from None
    return cleaned


def _audit(admin: Any, action: str, target_id: int | None, before: Any, after: Any) -> None:
    audit(admin, action, "word_filter", target_id, before=before, after=after)


def save_entry(admin: Any, entry: WordFilterEntry | None, data: dict[str, Any]) -> WordFilterEntry:
    if not is_admin(admin):
        raise PermissionDenied()
    cleaned = _clean(admin, data)
    before = entry.snapshot() if entry is not None else None
    if entry is None:
        entry = WordFilterEntry(created_by_id=admin.id)
        db.session.add(entry)
    for key, value in cleaned.items():
        setattr(entry, key, value)
    db.session.flush()
    _audit(admin, "word_filter.add" if before is None else "word_filter.edit", entry.id, before,
           entry.snapshot())
    _bump_version()
    db.session.commit()
    return entry


def delete_entry(admin: Any, entry: WordFilterEntry) -> None:
    if not is_admin(admin):
        raise PermissionDenied()
    _audit(admin, "word_filter.delete", entry.id, entry.snapshot(), None)
    db.session.delete(entry)
    _bump_version()
    db.session.commit()


def _key(pattern: str, action: str, is_regex: bool, whole_word: bool, locales: Iterable[str]) -> tuple[Any, ...]:
    return (pattern.casefold(), action, bool(is_regex), bool(whole_word), tuple(sorted(locales)))


def import_list(admin: Any, text: str, locale: str | None = None) -> tuple[int, int]:
    """Add the entries of a list (``action|pattern[|extra]`` lines); returns (added, already there).

    ``locale`` scopes every imported entry to that language (starter lists do: French "con"
    is Italian for "with").
    """
    if not is_admin(admin):
        raise PermissionDenied()
    if len(text) > MAX_IMPORT_CHARS:
        raise ValidationFailed({"text": _("The list is too long (at most %(n)d characters).", n=MAX_IMPORT_CHARS)})
    if locale and locale not in _supported_locales():
        raise ValidationFailed({"locale": _("Choose languages from the list.")})
    try:
        words = parse_list(text, locale=locale or None)
    except ListParseError as exc:
        raise ValidationFailed({"text": _("Line %(n)d: %(reason)s", n=exc.line_no, reason=exc.reason)}) from None
    if not words:
        raise ValidationFailed({"text": _("The list has no entries.")})
    try:
        Matcher(words, leetspeak=bool(plugin_setting(PLUGIN_ID, "leetspeak", True)))
    except InvalidPattern as exc:
        raise ValidationFailed({"text": _("This pattern cannot be used: %(reason)s", reason=str(exc))}) from None
    existing = {_key(r.pattern, r.action, r.is_regex, r.whole_word, r.locales or [])
                for r in db.session.scalars(select(WordFilterEntry))}
    if len(existing) + len(words) > MAX_ENTRIES:
        raise ValidationFailed({"text": _("The list would exceed %(n)d entries.", n=MAX_ENTRIES)})
    added = 0
    for w in words:
        key = _key(w.pattern, w.action.value, w.is_regex, w.whole_word, w.locales)
        if key in existing:
            continue
        existing.add(key)
        db.session.add(WordFilterEntry(pattern=w.pattern, action=w.action.value, replacement=w.replacement,
                                       message=w.message, is_regex=w.is_regex, whole_word=w.whole_word,
                                       category_ids=[], locales=sorted(w.locales), created_by_id=admin.id))
        added += 1
    _audit(admin, "word_filter.import", None, None, {"locale": locale, "added": added,
                                                      "skipped": len(words) - added})
    _bump_version()
    db.session.commit()
    return added, len(words) - added


def starter_list_text(locale: str) -> str:
    if locale not in available_starter_lists():
        raise NotFound()
    return (STARTER_DIR / f"{locale}.txt").read_text(encoding="utf-8")
