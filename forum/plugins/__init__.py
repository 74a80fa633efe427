"""The public API for plugin authors: import from here, nothing else is promised.

See ``plugins/README.md`` for a walkthrough and :mod:`forum.plugins.spec` for every hook.

* ``hookimpl``: decorate your hook implementations.
* ``Verdict`` / ``VerdictKind`` / ``Draft`` / ``FilterContext``: content filters.
* ``SettingField`` + ``plugin_setting(id, key)``: settings the admin UI renders as a form.
* ``form_field_name(id, name)``: names for extra inputs a plugin adds to core forms.
* ``require_admin()`` / ``is_admin(user)``: protect a plugin's admin pages and services.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

import pluggy

hookimpl = pluggy.HookimplMarker("forum")


class VerdictKind(IntEnum):
    """Ordered by precedence: the highest kind among all plugins wins."""

    ALLOW = 0
    REWRITE = 1
    FLAG = 2
    REQUIRE_APPROVAL = 3
    REJECT = 4


class VerdictOrigin:
    """Who gave a verdict: the core rules (``forum.*`` modules) or a plugin."""

    CORE = "core"
    PLUGIN = "plugin"


@dataclass(frozen=True)
class Verdict:
    """One filter's decision about content. ``plugin``, ``origin`` and ``failed`` are filled in
    by the plugin manager; a filter sets the rest through the constructors below.

    ``failed`` is True when the verdict stands for a plugin that raised or returned something
    that is not a Verdict (the content is held: filters fail closed). ``code`` is an optional
    machine-readable cause (the core uses ``"new_member"``, ``"category"``, ``"warning"``,
    ``"ban"``), so nothing has to parse ``reason``, which is prose for people.
    """

    kind: VerdictKind
    reason: str = ""           # for staff: why (shown in the review queue and history)
    message: str = ""          # for the author (reject): shown on the form, text kept
    new_source: str | None = None  # rewrite: the replacement text
    plugin: str = ""           # filled in by the manager: the plugin's name
    origin: str = VerdictOrigin.PLUGIN  # filled in by the manager
    failed: bool = False       # filled in by the manager
    code: str = ""

    @classmethod
    def allow(cls) -> Verdict:
        return cls(VerdictKind.ALLOW)

    @classmethod
    def rewrite(cls, new_source: str, reason: str = "") -> Verdict:
        return cls(VerdictKind.REWRITE, reason=reason, new_source=new_source)

    @classmethod
    def flag(cls, reason: str, *, code: str = "") -> Verdict:
        return cls(VerdictKind.FLAG, reason=reason, code=code)

    @classmethod
    def require_approval(cls, reason: str, *, code: str = "") -> Verdict:
        return cls(VerdictKind.REQUIRE_APPROVAL, reason=reason, code=code)

    @classmethod
    def reject(cls, message: str, reason: str = "", *, code: str = "") -> Verdict:
        return cls(VerdictKind.REJECT, reason=reason or message, message=message, code=code)


@dataclass
class Draft:
    """Text on its way in. Filters read it; a rewrite verdict replaces ``raw``."""

    raw: str
    title: str | None = None


@dataclass(frozen=True)
class FilterContext:
    kind: str  # "topic" | "reply" | "edit" | "event" | "profile" | "signature"
    category_id: int | None = None
    topic_id: int | None = None
    locale: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


SETTING_TYPES = ("string", "text", "int", "bool", "choice", "lines")


@dataclass(frozen=True)
class SettingField:
    """One field of a plugin's settings form, rendered by the admin UI and validated by type.

    * ``string``: one line of text; ``text``: several lines; ``min``/``max`` bound the length.
    * ``int``: a whole number; ``min``/``max`` bound the value.
    * ``bool``: a checkbox.
    * ``choice``: one of ``choices`` (pairs of stored value and label).
    * ``lines``: a list of strings, one per line in a text box (blank lines dropped).

    ``label`` and ``help`` may be lazy translations (``lazy_gettext``).
    """

    key: str
    label: Any
    type: str = "string"
    default: Any = None
    help: Any = ""
    choices: tuple[tuple[str, Any], ...] = ()
    min: int | None = None
    max: int | None = None
    required: bool = False


# Extra inputs a plugin adds to a core form (``forum_tpl_form_fields``) are named
# ``pf_<plugin id>__<name>``; the form's view hands every such field to the filters
# (``FilterContext.extra`` / ``form_data["extra"]``), with ``"form"`` naming the form.
FORM_FIELD_PREFIX = "pf_"


def form_field_name(plugin_id: str, name: str) -> str:
    """The input name a plugin uses for an extra field in a core form."""
    return f"{FORM_FIELD_PREFIX}{plugin_id}__{name}"


def plugin_setting(plugin_id: str, key: str, default: Any = None) -> Any:
    """The value an admin saved for one of a plugin's settings, else the schema's default."""
    from forum.plugins.settings import get_plugin_setting

    return get_plugin_setting(plugin_id, key, default)


def plugin_settings(plugin_id: str) -> dict[str, Any]:
    """Every setting of a plugin (schema defaults overlaid with saved values)."""
    from forum.plugins.settings import get_plugin_settings

    return get_plugin_settings(plugin_id)


def require_admin() -> None:
    """For a plugin blueprint's ``before_request``: admins only (404 to visitors, 403 to members)."""
    from flask import abort
    from flask_login import current_user

    from forum.accounts.permissions import can_administer

    if not can_administer(current_user):
        abort(403 if current_user.is_authenticated else 404)


def is_admin(user: Any) -> bool:
    """The one admin check, for plugin services."""
    from forum.accounts.permissions import can_administer

    return can_administer(user)


def is_new_member(author: Any, *, posts: int, days: int) -> bool:
    """True during a member's first ``posts`` posts or first ``days`` days (0 turns a test off).

    The one definition plugins share, each with its own settings."""
    from datetime import timedelta

    from forum.db_types import utcnow

    if posts and (getattr(author, "post_count", 0) or 0) < posts:
        return True
    created = getattr(author, "created_at", None)
    return bool(days and created is not None and utcnow() - created < timedelta(days=days))


__all__ = [
    "FORM_FIELD_PREFIX",
    "SETTING_TYPES",
    "Draft",
    "FilterContext",
    "SettingField",
    "Verdict",
    "VerdictKind",
    "VerdictOrigin",
    "form_field_name",
    "hookimpl",
    "is_admin",
    "plugin_setting",
    "plugin_settings",
    "require_admin",
]
