"""Labels the moderators and members read, and the admin-editable reason lists.

The lists (``flag_reasons``, ``rejection_reasons``, ``application_questions``) hold entries of
two kinds: a built-in key (``"spam"``), whose label is translated by gettext, or the admin's
own text, a localized value (:mod:`forum.i18n_content`): a plain string in the default
language, or ``{"en": ..., "it": ..., "fr": ...}`` once translated. An entry's **key** (what a
flag or a stored answer records) is its built-in key or its default-language text; its
**label** is read in the reader's language.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

from forum.accounts.models import User
from forum.errors import ValidationFailed
from forum.i18n_content import Localized, default_language, localize, member_language, variants
from forum.settings import get_setting

from ..models import ReviewKind, ReviewReason
from .common import clean

FLAG_REASONS = {
    "spam": _l("Spam"),
    "off_topic": _l("Off-topic"),
    "rude": _l("Rude or hostile"),
    "inappropriate": _l("Inappropriate"),
    "other": _l("Something else"),
}
REJECTION_REASONS = {
    "off_topic": _l("Off-topic for this community."),
    "duplicate": _l("This was already discussed in another topic."),
    "spam": _l("Spam or advertising."),
    "coc": _l("It does not follow the code of conduct."),
    "unclear": _l("Unclear: please add details so others can help."),
}
REVIEW_REASONS = {
    ReviewReason.NEW_MEMBER: _l("New member"),
    ReviewReason.CATEGORY: _l("Category requires approval"),
    ReviewReason.FILTER: _l("Content filter"),
    ReviewReason.PLUGIN_ERROR: _l("Plugin error"),
    ReviewReason.FLAGS: _l("Flagged by members"),
    ReviewReason.APPLICATION: _l("Member application"),
    ReviewReason.RESUBMITTED: _l("Resubmitted after rejection"),
}
REVIEW_KINDS = {
    ReviewKind.TOPIC: _l("Topics"),
    ReviewKind.REPLY: _l("Replies"),
    ReviewKind.FLAG: _l("Flags"),
    ReviewKind.MEMBER: _l("Members"),
    ReviewKind.EVENT: _l("Meetups"),
    ReviewKind.PROFILE: _l("Profiles"),
    ReviewKind.MESSAGE: _l("Private messages"),
}
REVIEW_KIND_ONE = {
    ReviewKind.TOPIC: _l("New topic"),
    ReviewKind.REPLY: _lp("review item", "Reply"),  # a noun here; the reply button says the verb
    ReviewKind.FLAG: _l("Flagged post"),
    ReviewKind.MEMBER: _l("Application"),
    ReviewKind.EVENT: _l("Meetup"),
    ReviewKind.PROFILE: _l("Profile text"),
    ReviewKind.MESSAGE: _l("Flagged private message"),
}
DURATIONS: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1), "1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7),
    "30d": timedelta(days=30), "365d": timedelta(days=365), "permanent": None,
}
DURATION_LABELS = {
    "1h": _l("1 hour"), "1d": _l("1 day"), "3d": _l("3 days"), "7d": _l("1 week"), "30d": _l("30 days"),
    "365d": _l("1 year"), "permanent": _l("Permanently"),
}
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}


BUILTIN_ENTRIES: dict[str, dict[str, Any]] = {
    "flag_reasons": FLAG_REASONS, "rejection_reasons": REJECTION_REASONS, "application_questions": {}}


def entry_key(entry: Localized) -> str:
    """An entry's stable key: itself for a plain string, else its default-language text."""
    if isinstance(entry, str):
        return entry.strip()
    found = variants(entry)
    return found.get(default_language()) or next(iter(found.values()), "")


def list_entries(setting: str) -> list[tuple[str, Localized]]:
    """(key, entry) for every usable entry of a reason or question list."""
    return [(key, entry) for entry in (get_setting(setting) or [])
            if isinstance(entry, str | dict) and (key := entry_key(entry))]


def reason_keys(setting: str) -> list[str]:
    return [key for key, _entry in list_entries(setting)]


def entry_label(setting: str, key: str, locale: str | None = None) -> str:
    """What the reader (or ``locale``) reads for ``key``: a built-in's translation, the admin's
    text in that language (else the default language's), or the key itself when unknown."""
    builtins = BUILTIN_ENTRIES[setting]
    if key in builtins:
        if locale is None:
            return str(builtins[key])
        with force_locale(locale):
            return str(builtins[key])
    for known, entry in list_entries(setting):
        if known == key:
            return localize(entry, locale)
    return key


def _reason_choices(setting: str) -> list[tuple[str, str]]:
    """(key, label) per configured entry, labels in the reader's language."""
    builtins = BUILTIN_ENTRIES[setting]
    return [(key, str(builtins[key]) if key in builtins else localize(entry)) for key, entry in list_entries(setting)]


def flag_reason_choices() -> list[tuple[str, str]]:
    return _reason_choices("flag_reasons")


def rejection_reason_choices() -> list[tuple[str, str]]:
    return _reason_choices("rejection_reasons")


def application_question_labels() -> list[str]:
    """The application questions in the reader's language, in the order of their keys."""
    return [label for _key, label in _reason_choices("application_questions")]


def flag_reason_label(key: str) -> str:
    return entry_label("flag_reasons", key)


def review_reason_label(code: str) -> str:
    return str(REVIEW_REASONS.get(code, code))  # type: ignore[call-overload]


def review_kind_label(kind: str, *, one: bool = False) -> str:
    return str((REVIEW_KIND_ONE if one else REVIEW_KINDS).get(kind, kind))  # type: ignore[call-overload]


def rejection_text(reason_key: str, text: str, author: User | None) -> str:
    """The reason the author reads, in the AUTHOR's language when it is a canned one."""
    written = clean(text)
    if reason_key in reason_keys("rejection_reasons"):
        canned = entry_label("rejection_reasons", reason_key, member_language(author))
        return f"{canned} {written}".strip() if written else canned
    if not written:
        raise ValidationFailed({"reason": _("Choose a reason or write one for the author.")})
    return written
