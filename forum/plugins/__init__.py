"""The public API for plugin authors: import from here, nothing else is promised.

See ``plugins/README.md`` for a walkthrough and :mod:`forum.plugins.spec` for every hook.
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


@dataclass(frozen=True)
class Verdict:
    kind: VerdictKind
    reason: str = ""           # for staff: why (shown in the review queue and history)
    message: str = ""          # for the author (reject): shown on the form, text kept
    new_source: str | None = None  # rewrite: the replacement text
    plugin: str = ""           # filled in by the manager

    @classmethod
    def allow(cls) -> Verdict:
        return cls(VerdictKind.ALLOW)

    @classmethod
    def rewrite(cls, new_source: str, reason: str = "") -> Verdict:
        return cls(VerdictKind.REWRITE, reason=reason, new_source=new_source)

    @classmethod
    def flag(cls, reason: str) -> Verdict:
        return cls(VerdictKind.FLAG, reason=reason)

    @classmethod
    def require_approval(cls, reason: str) -> Verdict:
        return cls(VerdictKind.REQUIRE_APPROVAL, reason=reason)

    @classmethod
    def reject(cls, message: str, reason: str = "") -> Verdict:
        return cls(VerdictKind.REJECT, reason=reason or message, message=message)


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


@dataclass(frozen=True)
class SettingField:
    """One field of a plugin's settings form, rendered by the admin UI."""

    key: str
    label: str
    type: str = "string"  # "string" | "text" | "int" | "bool" | "choice"
    default: Any = None
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


__all__ = [
    "Draft",
    "FilterContext",
    "SettingField",
    "Verdict",
    "VerdictKind",
    "hookimpl",
]
