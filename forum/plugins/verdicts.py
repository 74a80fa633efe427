"""What a content filter sees (:class:`Draft`, :class:`FilterContext`) and what it answers
(:class:`Verdict`), and how the answers of every filter combine. Imports nothing from forum:
every domain that writes judged content imports these types.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any


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
    def rewrite(cls, new_source: str, reason: str = "", *, code: str = "") -> Verdict:
        return cls(VerdictKind.REWRITE, reason=reason, new_source=new_source, code=code)

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
    # The language the text is written in (posts: detected from it or chosen by the author),
    # not the author's interface language.
    locale: str | None = None
    ip: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def combine(verdicts: Iterable[Verdict]) -> Verdict:
    """Deterministic precedence: reject > require_approval > flag > rewrite > allow.

    Among verdicts of the same kind the first by plugin name wins, so the outcome never
    depends on load order.
    """
    result = Verdict.allow()
    for verdict in sorted(verdicts, key=lambda v: (-v.kind, v.plugin)):
        if verdict.kind > result.kind:
            result = verdict
    return result
