"""Moderation settings (admins) and the category list moderators pick from.

The reason and question lists are edited as one textarea of the default language's lines:
each non-empty line is an entry, and its text is its **key** (what flags and stored answers
record). Translations belong to an entry, never to a line number: the form has one field per
other language for each entry of the admin's own that is already saved (built-in keys are
translated by gettext), named after the entry's key. So adding, deleting, reordering lines or
leaving blank ones cannot move a translation onto another entry: a saved entry keeps its
translations wherever it goes, a new one has none until it is saved and translated, and a
changed translation of an entry the same save removes is refused (the admin's text is kept).
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import select

from forum.accounts.models import User
from forum.audit import record_action
from forum.discussions.models import Category
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.i18n import LOCALE_NAMES
from forum.i18n_content import Localized, community_languages, default_language, make_localized, variants
from forum.settings import get_setting, set_setting

from .. import permissions
from .common import clean
from .labels import BUILTIN_ENTRIES, entry_key, list_entries

# The keys moderation owns, with their defaults (registered from moderation's init_app).
DEFAULTS: dict[str, Any] = {
    "approve_members": False,
    "first_posts_need_approval": 0,
    "flags_to_hide": 3,
    # Reason lists hold built-in keys (translated labels) or an admin's own wording.
    "flag_reasons": ["spam", "off_topic", "rude", "inappropriate", "other"],
    "rejection_reasons": ["off_topic", "duplicate", "spam", "coc", "unclear"],
    "application_questions": [],
    "claim_minutes": 30,
}


SETTING_KEYS = tuple(DEFAULTS)
LIST_KEYS = ("flag_reasons", "rejection_reasons", "application_questions")
MAX_ENTRIES = 30
ENTRY_MAX = 300  # characters of a line, and of each of its translations: refused beyond, never cut


def moderation_settings() -> dict[str, Any]:
    return {key: get_setting(key) for key in SETTING_KEYS}


def save_settings(actor: User, values: dict[str, Any]) -> None:
    if not permissions.can_manage_settings(actor):
        raise PermissionDenied()
    chosen: dict[str, Any] = {}
    for key in ("first_posts_need_approval", "flags_to_hide", "claim_minutes"):
        try:
            number = int(values.get(key) or 0)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 1000 or (key == "claim_minutes" and number < 1):
            raise ValidationFailed({key: _("Use a whole number between %(lo)d and 1000.",
                                           lo=1 if key == "claim_minutes" else 0)})
        chosen[key] = number
    chosen["approve_members"] = bool(values.get("approve_members"))
    translations = values.get("translations") or {}
    for key in LIST_KEYS:
        raw = values.get(key) or []
        lines = raw.splitlines() if isinstance(raw, str) else list(raw)
        too_long = next((line.strip() for line in lines if len(line.strip()) > ENTRY_MAX), None)
        if too_long is not None:  # refused, never cut
            raise ValidationFailed({key: _("Keep each line to %(n)d characters at most: “%(line)s…” is longer.",
                                           n=ENTRY_MAX, line=too_long[:40])})
        entries = [clean(line, ENTRY_MAX) for line in lines if clean(line, ENTRY_MAX)]
        if len(entries) > MAX_ENTRIES:  # refused, never cut: the admin's lines stay in the form
            raise ValidationFailed({key: _("Keep it to %(n)d lines at most (this list has %(count)d).",
                                           n=MAX_ENTRIES, count=len(entries))})
        chosen[key] = _localized_entries(key, entries, translations.get(key) or {})
    if not chosen["flag_reasons"]:
        raise ValidationFailed({"flag_reasons": _("Keep at least one reason.")})
    before = moderation_settings()
    changed = {k: v for k, v in chosen.items() if before.get(k) != v}
    if not changed:
        return
    for key, value in changed.items():
        set_setting(key, value)
    record_action(actor, "settings.moderation", "settings", None,
                  before={k: before.get(k) for k in changed}, after=changed)
    db.session.commit()


def _localized_entries(key: str, entries: list[str], submitted: dict[str, Any]) -> list[Localized]:
    """The list to store: each entry with its translations, matched by the entry's key.

    ``submitted`` maps a saved entry's key to its texts per other language, as the form sent
    them. An entry keeps what was submitted for its key (else what is stored for it); a new
    entry has no translation. A translation changed for an entry no longer in the list has
    nowhere to go: refused, naming the entry, rather than dropped or attached to another."""
    default = default_language()
    others = [code for code in community_languages() if code != default]
    stored = {entry_key(entry): variants(entry) for entry in (get_setting(key) or [])
              if isinstance(entry, str | dict) and entry_key(entry)}
    texts = {entry: {code: clean(str(raw or ""), ENTRY_MAX) for code, raw in (per_language or {}).items()
                     if code in others}
             for entry, per_language in submitted.items() if entry in stored and entry not in BUILTIN_ENTRIES[key]}
    kept = set(entries)
    for entry, per_language in texts.items():
        for code, text in per_language.items():
            if entry not in kept and text and text != stored[entry].get(code, ""):
                raise ValidationFailed({key: _(
                    "“%(entry)s” is no longer in the list, but its translation (%(language)s) was changed. "
                    "Put the line back, or undo the change to its translation; new lines can be "
                    "translated once saved.", entry=entry, language=LOCALE_NAMES.get(code, code))})
    result: list[Localized] = []
    for entry in entries:
        if entry in BUILTIN_ENTRIES[key]:
            result.append(entry)  # translated by gettext
            continue
        known = {**{code: stored.get(entry, {}).get(code, "") for code in others}, **texts.get(entry, {})}
        result.append(make_localized({default: entry, **{c: t for c, t in known.items() if t != entry}}))
    return result


def translatable_entries(key: str) -> list[tuple[str, dict[str, str]]]:
    """The saved entries of a list that take translations (the admin's own, not built-in keys),
    as ``(key, {language: text})`` for the community's other languages."""
    default = default_language()
    others = [code for code in community_languages() if code != default]
    return [(entry, {code: text for code, text in variants(value).items() if code in others})
            for entry, value in list_entries(key) if entry not in BUILTIN_ENTRIES[key]]


def list_text(key: str) -> str:
    """A list as its textarea shows it: one entry's key per line."""
    return "\n".join(entry for entry, _value in list_entries(key))


def moderator_categories(user: Any) -> list[Category]:
    """Categories for move/split/filter selects (one query, cached for the request)."""
    if not permissions.can_moderate(user):
        return []
    if has_request_context() and "moderation_categories" in g:
        return list(g.moderation_categories)
    rows = list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))
    if has_request_context():
        g.moderation_categories = rows
    return rows

