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
    "disabled_plugins": [],
    "approve_members": False,
    "first_posts_need_approval": 0,
    "flags_to_hide": 3,
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
