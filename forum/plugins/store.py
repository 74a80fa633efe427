"""What plugins write through the core's ground-floor stores: settings, state, audit entries.

A plugin declares its settings with ``forum_gather_settings_schema`` (a list of
:class:`~forum.plugins.fields.SettingField`); the values an admin saves live under the
settings key ``plugin:<id>`` as one JSON object, so reading them costs nothing extra: the
settings are loaded once per request. A plugin's own state (e.g. a cache version) is one JSON
value under ``plugin_state:<id>``. Staff actions a plugin performs go to the one audit log.

On the ground floor (imports only :mod:`forum.settings`, :mod:`forum.audit`,
:mod:`forum.i18n_content` and :mod:`forum.errors`): the manager and every plugin use it. The
admin actions that change settings are in :mod:`forum.plugins.settings`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pluggy
from flask import Flask, current_app
from flask_babel import gettext as _

from forum import i18n_content
from forum.audit import record_action
from forum.errors import ValidationFailed
from forum.settings import get_setting, register_prefix, set_setting

from .fields import SETTING_TYPES, SettingField, translation_key

log = logging.getLogger(__name__)

STATE_PREFIX = "plugin_state:"
STORAGE_PREFIX = "plugin:"
MAX_STRING = 500
MAX_TEXT = 20_000
MAX_LINES = 2_000


def init_app(app: Flask) -> None:
    """Plugins' saved values live under one settings key per plugin (and their internal state,
    such as a cache version, under another)."""
    register_prefix(app, STORAGE_PREFIX, None)
    register_prefix(app, STATE_PREFIX, None)


# --- schemas -----------------------------------------------------------------------------------

def gather_schemas(pm: pluggy.PluginManager) -> dict[str, list[SettingField]]:
    """Each plugin's settings schema, asked once at start-up. A broken schema is logged and skipped."""
    schemas: dict[str, list[SettingField]] = {}
    for impl in pm.hook.forum_gather_settings_schema.get_hookimpls():
        try:
            fields = list(impl.function() or [])  # type: ignore[call-overload]
        except Exception:
            log.exception("plugin %s raised in forum_gather_settings_schema", impl.plugin_name)
            continue
        valid: list[SettingField] = []
        for f in fields:
            if (not isinstance(f, SettingField) or not f.key.isidentifier() or f.key == "csrf_token"
                    or f.type not in SETTING_TYPES):
                log.error("plugin %s declares an invalid setting %r (ignored)", impl.plugin_name, f)
                continue
            valid.append(f)
        schemas[impl.plugin_name] = valid
    return schemas


def schema(plugin_id: str) -> list[SettingField]:
    return list(current_app.extensions.get("forum.plugin_schemas", {}).get(plugin_id, []))


# --- reading settings --------------------------------------------------------------------------

def stored_settings(plugin_id: str) -> dict[str, Any]:
    value = get_setting(STORAGE_PREFIX + plugin_id)
    return dict(value) if isinstance(value, dict) else {}


def get_plugin_settings(plugin_id: str) -> dict[str, Any]:
    """Every setting of a plugin (schema defaults overlaid with saved values)."""
    values = {f.key: f.default for f in schema(plugin_id)}
    values.update(stored_settings(plugin_id))
    return values


def get_localized_plugin_setting(plugin_id: str, key: str, locale: str | None = None) -> str:
    """A translatable text setting in ``locale`` (the reader's language by default), else the
    default language's text (see ``SettingField.translatable``)."""
    stored = stored_settings(plugin_id)
    texts = {i18n_content.default_language(): str(get_plugin_setting(plugin_id, key) or "")}
    texts.update({code: str(stored.get(translation_key(key, code)) or "")
                  for code in i18n_content.community_languages()[1:]})
    return i18n_content.localize(texts, locale)


def get_plugin_setting(plugin_id: str, key: str, default: Any = None) -> Any:
    """The value an admin saved for one of a plugin's settings, else the schema's default."""
    stored = stored_settings(plugin_id)
    if key in stored:
        return stored[key]
    for f in schema(plugin_id):
        if f.key == key:
            return f.default
    return default


# --- state -------------------------------------------------------------------------------------

def get_plugin_state(plugin_id: str, default: Any = None) -> Any:
    """The JSON value a plugin stored with :func:`set_plugin_state`, else ``default``."""
    value = get_setting(STATE_PREFIX + plugin_id)
    return default if value is None else value


def set_plugin_state(plugin_id: str, value: Any) -> None:
    """Stage a plugin's state (any JSON value) in the current transaction: the caller commits,
    so the state changes together with the rows it describes."""
    set_setting(STATE_PREFIX + plugin_id, value)


# --- the audit log ---------------------------------------------------------------------------

def audit(actor: Any, action: str, target_type: str, target_id: int | None = None, *,
          before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
          reason: str | None = None) -> None:
    """Stage an entry in the audit log, in the current transaction (commit it with the change
    it records, so both land or neither does). Name actions ``<plugin id>.<verb>``."""
    record_action(actor, action, target_type, target_id, before=before, after=after, reason=reason)


# --- validation by type ------------------------------------------------------------------------

def _bool(field: SettingField, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    return str(raw or "").strip().lower() in ("1", "y", "yes", "true", "on")


def _int(field: SettingField, raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValueError(_("Enter a whole number."))
    if raw is None or str(raw).strip() == "":
        if field.required or field.default is None:
            raise ValueError(_("Enter a whole number."))
        return int(field.default)
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise ValueError(_("Enter a whole number.")) from None
    if field.min is not None and value < field.min:
        raise ValueError(_("Use %(n)d or more.", n=field.min))
    if field.max is not None and value > field.max:
        raise ValueError(_("Use %(n)d or less.", n=field.max))
    return value


def _choice(field: SettingField, raw: Any) -> str:
    value = "" if raw is None else str(raw)
    if value not in [str(v) for v, _label in field.choices]:
        raise ValueError(_("Choose one of the options."))
    return value


def _lines(field: SettingField, raw: Any) -> list[str]:
    items = raw if isinstance(raw, list | tuple) else str(raw or "").splitlines()
    lines = [str(x).strip() for x in items if str(x).strip()]
    if len(lines) > MAX_LINES:
        raise ValueError(_("Use at most %(n)d lines.", n=MAX_LINES))
    if field.required and not lines:
        raise ValueError(_("This field is required."))
    longest = field.max or MAX_STRING
    if any(len(x) > longest for x in lines):
        raise ValueError(_("Each line must be at most %(n)d characters.", n=longest))
    return lines


def _text(field: SettingField, raw: Any) -> str:
    value = str(raw or "")
    value = value.strip() if field.type == "string" else value.replace("\r\n", "\n").strip()
    if field.type == "string" and "\n" in value:
        raise ValueError(_("Use a single line."))
    if field.required and not value:
        raise ValueError(_("This field is required."))
    if field.min is not None and value and len(value) < field.min:
        raise ValueError(_("Use at least %(n)d characters.", n=field.min))
    longest = field.max or (MAX_STRING if field.type == "string" else MAX_TEXT)
    if len(value) > longest:
        raise ValueError(_("Use at most %(n)d characters.", n=longest))
    return value


_COERCE = {"bool": _bool, "int": _int, "choice": _choice, "lines": _lines, "string": _text, "text": _text}


def coerce(field: SettingField, raw: Any) -> Any:
    """Turn a submitted value into the stored one; raises ValueError with a message for the form."""
    return _COERCE[field.type](field, raw)


def translations_of(field: SettingField) -> list[tuple[str, str]]:
    """(language, stored key) of a translatable setting's other-language texts (none otherwise)."""
    if not field.translatable or field.type not in ("string", "text"):
        return []
    return [(code, translation_key(field.key, code)) for code in i18n_content.community_languages()[1:]]


def validate(fields: list[SettingField], data: Mapping[str, Any]) -> dict[str, Any]:
    """Every field of the schema, coerced; raises ValidationFailed naming each bad field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for f in fields:
        try:
            values[f.key] = coerce(f, data.get(f.key))
        except ValueError as exc:
            errors[f.key] = str(exc)
        for _code, key in translations_of(f):  # optional: empty shows the default language's text
            try:
                values[key] = coerce(replace(f, key=key, required=False, min=None), data.get(key))
            except ValueError as exc:
                errors[key] = str(exc)
    if errors:
        raise ValidationFailed(errors)
    return values
