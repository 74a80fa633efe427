"""Typed community settings with defaults; one query per request, cached on ``g``."""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context

from forum.extensions import db

from .models import Setting

DEFAULTS: dict[str, Any] = {
    "community_name": None,  # None: config COMMUNITY_NAME
    "community_tagline": "",
    "brand_primary": "",
    "brand_accent": "",
    "logo_url": "",
    "theme": None,  # None: config THEME
    "disabled_plugins": None,  # None: config DEFAULT_DISABLED_PLUGINS until an admin chooses
    "approve_members": False,
    "first_posts_need_approval": 0,
    "flags_to_hide": 3,
    # Moderation (issue: moderation). Reason lists hold built-in keys (translated labels) or an
    # admin's own wording; see forum/moderation/services.py.
    "flag_reasons": ["spam", "off_topic", "rude", "inappropriate", "other"],
    "rejection_reasons": ["off_topic", "duplicate", "spam", "coc", "unclear"],
    "application_questions": [],
    "claim_minutes": 30,
    # Staff (issue: staff): the response-time target behind "% answered by staff within N h".
    "staff_response_target_hours": 24,
    # Events (issue: events): the default category of event discussions (None: an "Events"
    # category is made on first use), who creates events ("staff" | "members"), reminder lead time.
    "events_category_id": None,
    "events_creators": "staff",
    "events_reminder_hours": 24,
}


def _load() -> dict[str, Any]:
    values = dict(DEFAULTS)
    values.update({s.key: s.value for s in db.session.scalars(db.select(Setting))})
    return values


def all_settings() -> dict[str, Any]:
    if has_request_context():
        if "forum_settings" not in g:
            g.forum_settings = _load()
        return g.forum_settings
    return _load()


def get_setting(key: str) -> Any:
    return all_settings().get(key, DEFAULTS.get(key))


def set_setting(key: str, value: Any) -> None:
    """Stage a value (the caller commits). The request cache is dropped."""
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    if has_request_context():
        g.pop("forum_settings", None)
