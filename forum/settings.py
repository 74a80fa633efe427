"""Community settings: admin-editable values stored in the ``settings`` table.

The one owner of settings. Each domain registers the keys it owns, with their defaults, from
its ``init_app`` (:func:`register_defaults`); there is no central list that every domain
edits. Reading a key nobody registered is a programming error (:class:`UnknownSetting`), so
a misspelt key fails in tests instead of silently reading ``None``.

Reads cost one query per request (cached on ``g``); writes are staged in the caller's
transaction (:func:`set_setting` never commits), so a settings change and its audit entry
land together.

Every write also moves the **settings version** (one row, SQL arithmetic, in the same
transaction). It is how a worker tells cheaply that something it built from the settings is
stale: the theme and the enabled plugins (``forum/live_settings.py`` rebuilds the app without
a restart), and later cached pages.

Keys that belong to a family (one per plugin: ``plugin:<id>``) are registered as a prefix
with :func:`register_prefix`; their default is the prefix's default.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import JSON, String, select, update
from sqlalchemy.orm import Mapped, mapped_column

from forum.audit import record_action
from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db

_DEFAULTS = "forum.settings_defaults"
_PREFIXES = "forum.settings_prefixes"
_CACHE = "forum_settings"


class Setting(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class SettingsVersion(db.Model):  # type: ignore[name-defined,misc]
    """One row (id 1): a number that moves with every settings write."""

    __tablename__ = "settings_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0)


class UnknownSetting(KeyError):
    """No domain registered this key."""


# The ground floor's own keys: brand and site-wide choices read before any domain starts
# (themes and plugins are chosen from them in create_app).
CORE_DEFAULTS: dict[str, Any] = {
    "community_name": None,  # None: config COMMUNITY_NAME
    "community_tagline": "",
    "default_language": None,  # None: config DEFAULT_LOCALE
    "brand_primary": "",
    "brand_accent": "",
    "logo_url": "",
    "theme": None,  # None: config THEME
    "disabled_plugins": None,  # None: config DEFAULT_DISABLED_PLUGINS until an admin chooses
}


def init_app(app: Flask) -> None:
    app.extensions[_DEFAULTS] = {}
    app.extensions[_PREFIXES] = {}
    register_defaults(app, CORE_DEFAULTS)


def register_defaults(app: Flask, defaults: dict[str, Any]) -> None:
    """Declare keys and their defaults. A key registered twice is a start-up error."""
    known: dict[str, Any] = app.extensions[_DEFAULTS]
    for key, value in defaults.items():
        if key in known:
            raise RuntimeError(f"setting {key!r} is registered twice")
        known[key] = value


def register_prefix(app: Flask, prefix: str, default: Any = None) -> None:
    """Declare a family of keys (``prefix + anything``) sharing one default."""
    app.extensions[_PREFIXES].setdefault(prefix, default)


def default_for(key: str) -> Any:
    known: dict[str, Any] = current_app.extensions[_DEFAULTS]
    if key in known:
        return known[key]
    for prefix, default in current_app.extensions[_PREFIXES].items():
        if key.startswith(prefix):
            return default
    raise UnknownSetting(key)


def registered_defaults() -> dict[str, Any]:
    return dict(current_app.extensions[_DEFAULTS])


def _load() -> dict[str, Any]:
    values = registered_defaults()
    values.update({s.key: s.value for s in db.session.scalars(select(Setting))})
    return values


def all_settings() -> dict[str, Any]:
    """Every registered key with its value (stored, else default), plus stored family keys."""
    if has_request_context():
        if _CACHE not in g:
            g.forum_settings = _load()
        return g.forum_settings  # type: ignore[no-any-return]
    return _load()


def get_setting(key: str) -> Any:
    values = all_settings()
    if key in values:
        return values[key]
    return default_for(key)


def set_setting(key: str, value: Any) -> None:
    """Stage a value (the caller commits). The request cache is dropped."""
    default_for(key)  # refuses unregistered keys
    row = db.session.get(Setting, key)
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    bump_version()
    forget_cached()


def save_changed(actor: Any, action: str, values: dict[str, Any],
                 before: dict[str, Any] | None = None) -> dict[str, Any]:
    """An admin's settings page saved: stage the values that differ from what they are now
    (``before``: the current values as the feature reads them; default: :func:`get_setting`)
    and one audit entry ``action`` with the changed keys before and after; nothing when
    nothing changed. The caller commits. Returns what changed."""
    current = before if before is not None else {key: get_setting(key) for key in values}
    changed = {key: value for key, value in values.items() if current.get(key) != value}
    for key, value in changed.items():
        set_setting(key, value)
    if changed:
        record_action(actor, action, "settings", None, before={key: current.get(key) for key in changed},
                      after=changed)
    return changed


def bump_version() -> None:
    """Move the settings version in the caller's transaction (the row is made if missing)."""
    moved = db.session.execute(update(SettingsVersion).where(SettingsVersion.id == 1)
                               .values(version=SettingsVersion.version + 1))
    if not moved.rowcount:  # type: ignore[attr-defined]
        db.session.add(SettingsVersion(id=1, version=1))
        db.session.flush()


def current_version() -> int:
    """The settings version now in the database (0 before the first write)."""
    return int(db.session.scalar(select(SettingsVersion.version).where(SettingsVersion.id == 1)) or 0)


def forget_cached() -> None:
    if has_app_context() and has_request_context():
        g.pop(_CACHE, None)
