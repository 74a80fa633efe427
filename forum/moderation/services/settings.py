"""Moderation settings (admins) and the category list moderators pick from.

The reason and question lists are edited as one textarea per language: the default
language's lines are the entries (their keys), each other language's lines translate them
line by line (an empty line keeps the default text; built-in keys are translated by gettext).
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
from forum.i18n_content import Localized, community_languages, default_language, make_localized, variants
from forum.settings import get_setting, set_setting

from .. import permissions
from .common import clean
from .labels import BUILTIN_ENTRIES, entry_key

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
        entries = [clean(line, 300) for line in lines if clean(line, 300)][:MAX_ENTRIES]
        chosen[key] = _localized_entries(key, entries, {code: (entry or {}).get(key) for code, entry in
                                                        translations.items()})
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


def _localized_entries(key: str, entries: list[str], translated: dict[str, Any]) -> list[Localized]:
    """The default language's entries, each with its line from every other language's text."""
    default = default_language()
    others = [code for code in community_languages() if code != default]
    lines = {code: _raw_lines(translated.get(code)) for code in others}
    result: list[Localized] = []
    for index, entry in enumerate(entries):
        if entry in BUILTIN_ENTRIES[key]:
            result.append(entry)  # translated by gettext
            continue
        texts = {code: clean(lines[code][index], 300) if index < len(lines[code]) else "" for code in others}
        result.append(make_localized({default: entry, **{c: t for c, t in texts.items() if t != entry}}))
    return result


def _raw_lines(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.splitlines()
    return [str(line) for line in value] if isinstance(value, list) else []


def translation_lines(key: str) -> tuple[str, dict[str, str]]:
    """A list as the settings form shows it: the default language's lines, and per other
    language the aligned lines (a built-in key repeats as is; a missing translation is empty)."""
    default = default_language()
    others = [code for code in community_languages() if code != default]
    entries = [entry for entry in (get_setting(key) or []) if isinstance(entry, str | dict) and entry_key(entry)]
    keys = [entry_key(entry) for entry in entries]
    per_language = {code: "\n".join(
        key_ if key_ in BUILTIN_ENTRIES[key] else variants(entry).get(code, "")
        for key_, entry in zip(keys, entries, strict=True)) for code in others}
    return "\n".join(keys), per_language


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

