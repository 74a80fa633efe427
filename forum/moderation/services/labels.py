"""Labels the moderators and members read, and the admin-editable reason lists."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.accounts.models import User
from forum.errors import ValidationFailed
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
}
REVIEW_KIND_ONE = {
    ReviewKind.TOPIC: _l("New topic"),
    ReviewKind.REPLY: _l("Reply"),
    ReviewKind.FLAG: _l("Flagged post"),
    ReviewKind.MEMBER: _l("Application"),
    ReviewKind.EVENT: _l("Meetup"),
    ReviewKind.PROFILE: _l("Profile text"),
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


def reason_keys(setting: str) -> list[str]:
    return [key for key in (get_setting(setting) or []) if isinstance(key, str) and key.strip()]


def _reason_choices(setting: str, builtins: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, label) per configured entry: a built-in key gets its translated label, any other
    line is the admin's own wording and is its own key."""
    return [(key, str(builtins[key]) if key in builtins else key) for key in reason_keys(setting)]


def flag_reason_choices() -> list[tuple[str, str]]:
    return _reason_choices("flag_reasons", FLAG_REASONS)


def rejection_reason_choices() -> list[tuple[str, str]]:
    return _reason_choices("rejection_reasons", REJECTION_REASONS)


def flag_reason_label(key: str) -> str:
    return str(FLAG_REASONS[key]) if key in FLAG_REASONS else key


def review_reason_label(code: str) -> str:
    return str(REVIEW_REASONS.get(code, code))  # type: ignore[call-overload]


def review_kind_label(kind: str, *, one: bool = False) -> str:
    return str((REVIEW_KIND_ONE if one else REVIEW_KINDS).get(kind, kind))  # type: ignore[call-overload]


def rejection_text(reason_key: str, text: str, author: User | None) -> str:
    """The reason the author reads, in the AUTHOR's language when it is a canned one."""
    written = clean(text)
    if reason_key in reason_keys("rejection_reasons"):
        if reason_key in REJECTION_REASONS:
            locale = (author.locale if author else None) or current_app.config["DEFAULT_LOCALE"]
            with force_locale(locale):
                canned = str(REJECTION_REASONS[reason_key])
        else:
            canned = reason_key
        return f"{canned} {written}".strip() if written else canned
    if not written:
        raise ValidationFailed({"reason": _("Choose a reason or write one for the author.")})
    return written
