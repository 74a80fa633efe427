"""The audit log for people: "Giulia hid a post #3 in “Grinder jammed”: state published → hidden",
not ``post.hide post 16 {"state": "published"}``.

The log stays machine-shaped (codes, ids, JSON; the CSV export keeps it so). Reading it
needs words, and the words belong to the domains that write the entries: each contributes an
:class:`AuditVocabulary` from its ``init_app`` (labels of its actions and fields, and a
batch namer for its targets), so this module knows no domain.

Names are looked up for a whole page at once: one query per kind of target on the page,
whatever its length (a ``<type>_id`` field in a before/after is named by the same query, so
"category_id: 2 → 5" reads "Category: General → Support").
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _

from forum.dates import absolute
from forum.registry import contributions

from .models import AuditLog

MAX_VALUE_LENGTH = 300
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


@dataclass(frozen=True)
class TargetName:
    label: str
    url: str | None = None


Namer = Callable[[Collection[int]], Mapping[int, TargetName]]


@dataclass(frozen=True)
class AuditVocabulary:
    """What one domain's audit entries mean. ``targets`` maps a target type ("post") to a
    function naming many ids in one query; labels are lazy translations."""

    actions: Mapping[str, Any] = field(default_factory=dict)
    fields: Mapping[str, Any] = field(default_factory=dict)
    targets: Mapping[str, Namer] = field(default_factory=dict)
    target_labels: Mapping[str, Any] = field(default_factory=dict)  # "post" -> "post" (for "post #16")
    # Fields holding ids of a target type other than "<type>_id": {"solution_post_id": "post"}.
    id_fields: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Change:
    field: str
    before: str | None  # None: the entry has no "before" for this field
    after: str | None


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    action: str
    target: TargetName | None
    changes: list[Change]


class _Merged:
    def __init__(self) -> None:
        self.actions: dict[str, Any] = {}
        self.fields: dict[str, Any] = {}
        self.targets: dict[str, Namer] = {}
        self.target_labels: dict[str, Any] = {}
        self.id_fields: dict[str, str] = {}
        for vocabulary in contributions(AuditVocabulary):
            self.actions.update(vocabulary.actions)
            self.fields.update(vocabulary.fields)
            self.targets.update(vocabulary.targets)
            self.target_labels.update(vocabulary.target_labels)
            self.id_fields.update(vocabulary.id_fields)

    def id_type(self, key: str) -> str:
        """The target type a field's ids belong to ("" if none): "category_id" -> "category"."""
        kind = self.id_fields.get(key) or (key[:-3] if key.endswith("_id") else "")
        return kind if kind in self.targets else ""


def present(entries: list[AuditLog]) -> list[AuditRow]:
    """Readable rows for a page of entries (one query per kind of target on the page)."""
    vocabulary = _Merged()
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.target_id is not None and entry.target_type in vocabulary.targets:
            wanted[entry.target_type].add(entry.target_id)
        for values in (entry.before, entry.after):
            for key, value in (values.items() if isinstance(values, dict) else ()):
                kind = vocabulary.id_type(key)
                if kind:
                    wanted[kind].update(v for v in (value if isinstance(value, list) else [value]) if _is_id(v))
    names = {kind: dict(vocabulary.targets[kind](sorted(ids))) for kind, ids in wanted.items()}
    return [AuditRow(entry=entry, action=str(vocabulary.actions.get(entry.action, entry.action)),
                     target=_target(entry, names, vocabulary), changes=_changes(entry, names, vocabulary))
            for entry in entries]


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _target(entry: AuditLog, names: dict[str, dict[int, TargetName]], vocabulary: _Merged) -> TargetName | None:
    if entry.target_id is None:
        label = vocabulary.target_labels.get(entry.target_type)
        return TargetName(str(label)) if label else None
    named = names.get(entry.target_type, {}).get(entry.target_id)
    if named is not None:
        return named
    # Gone (or a kind nobody names): say what it was, never just a number.
    kind = str(vocabulary.target_labels.get(entry.target_type, entry.target_type))
    return TargetName(_("%(kind)s #%(id)d (no longer exists)", kind=kind, id=entry.target_id)
                      if entry.target_type in vocabulary.targets else f"{kind} #{entry.target_id}")


def _changes(entry: AuditLog, names: dict[str, dict[int, TargetName]], vocabulary: _Merged) -> list[Change]:
    before = entry.before if isinstance(entry.before, dict) else None
    after = entry.after if isinstance(entry.after, dict) else None
    if before is None and after is None:
        return []
    if (before is None and entry.before is not None) or (after is None and entry.after is not None):
        # Not a field map (a list, a bare value): show it whole.
        return [Change(str(vocabulary.fields.get("value", _("value"))), _text(entry.before, "", names),
                       _text(entry.after, "", names))]
    keys = list(dict.fromkeys([*(before or {}), *(after or {})]))
    changes = []
    for key in keys:
        kind = vocabulary.id_type(key)
        old = _text(before[key], kind, names) if before is not None and key in before else None
        new = _text(after[key], kind, names) if after is not None and key in after else None
        if old == new:
            old = None  # context the entry kept for reference (which plugin, which group): no arrow
        label = vocabulary.fields.get(key) or key.removesuffix("_id").replace("_", " ")
        changes.append(Change(str(label), old, new))
    return changes


def _text(value: Any, kind: str, names: dict[str, dict[int, TargetName]]) -> str:
    """One value as a person reads it, in the reader's language and time zone; ids of a
    ``kind`` of target by their names."""
    if isinstance(value, list):
        return ", ".join(_text(v, kind, names) for v in value) or "—"
    if isinstance(value, dict):
        return "; ".join(f"{k.replace('_', ' ')}: {_text(v, '', names)}" for k, v in value.items()) or "—"
    if _is_id(value) and value in names.get(kind, {}):
        return names[kind][value].label
    text = _scalar(value)
    return text if len(text) <= MAX_VALUE_LENGTH else text[:MAX_VALUE_LENGTH] + "…"


def _scalar(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, str) and ISO_TIME.match(value):
        try:
            return absolute(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)
