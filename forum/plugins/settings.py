"""The admin actions on plugins: save a plugin's settings, enable or disable it.

Above the domains (it checks the admin rule of :mod:`forum.accounts.permissions`), so no
domain imports it; the admin area does. Reading and validating settings is
:mod:`forum.plugins.store`, re-exported here for the admin views.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app

from forum.accounts.permissions import can_administer
from forum.audit import record_action
from forum.errors import NotFound, PermissionDenied
from forum.extensions import db
from forum.settings import get_setting, set_setting

from .store import (
    STORAGE_PREFIX,
    coerce,
    get_plugin_setting,
    get_plugin_settings,
    schema,
    stored_settings,
    validate,
)

__all__ = ["coerce", "disabled_plugins", "get_plugin_setting", "get_plugin_settings", "save_plugin_settings",
           "schema", "set_plugin_enabled", "stored_settings", "validate"]


def _audit(admin: Any, action: str, plugin_id: str, before: Any, after: Any) -> None:
    record_action(admin, action, "plugin", None, before={"plugin": plugin_id, "value": before},
                  after={"plugin": plugin_id, "value": after})


def save_plugin_settings(admin: Any, plugin_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and store a plugin's settings (takes effect immediately)."""
    if not can_administer(admin):
        raise PermissionDenied()
    fields = schema(plugin_id)
    if not fields:
        raise NotFound()
    values = validate(fields, data)
    before = stored_settings(plugin_id)
    set_setting(STORAGE_PREFIX + plugin_id, values)
    _audit(admin, "plugin.settings", plugin_id, before, values)
    db.session.commit()
    return values


def set_plugin_enabled(admin: Any, plugin_id: str, enabled: bool) -> None:
    """Enable or disable a plugin. A disabled plugin is never imported; every worker rebuilds
    itself with the new list within seconds (forum.live_settings), no restart needed."""
    if not can_administer(admin):
        raise PermissionDenied()
    if plugin_id not in current_app.extensions.get("forum.plugin_infos", {}):
        raise NotFound()
    disabled = sorted(disabled_plugins())
    before = plugin_id not in disabled
    if enabled:
        disabled = [p for p in disabled if p != plugin_id]
    elif plugin_id not in disabled:
        disabled.append(plugin_id)
    set_setting("disabled_plugins", sorted(disabled))
    _audit(admin, "plugin.enable" if enabled else "plugin.disable", plugin_id, before, enabled)
    db.session.commit()


def disabled_plugins() -> set[str]:
    """The admin's choice; until an admin first saves one, the config's default list."""
    chosen = get_setting("disabled_plugins")
    if chosen is None:
        chosen = current_app.config["DEFAULT_DISABLED_PLUGINS"]
    return {p for p in chosen if isinstance(p, str)}
