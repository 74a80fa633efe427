"""Writing the audit log (in the caller's transaction) and reading it in keyset pages.

Callers check who may read it (moderation's ``can_view_audit_log``); these functions only
read and write.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from forum import csv_export
from forum.extensions import db
from forum.text import skeleton

from .models import AuditLog

AUDIT_PAGE_SIZE = 50


def record_action(actor: Any, action: str, target_type: str, target_id: int | None, *,
                  before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
                  reason: str | None = None) -> AuditLog:
    """Stage an audit entry in the current transaction (the caller commits with its change,
    so an action and its record land together or not at all)."""
    entry = AuditLog(actor_id=getattr(actor, "id", None), action=action, target_type=target_type,
                     target_id=target_id, before=before, after=after, reason=(reason or None),
                     ip_address=request.remote_addr if has_request_context() else None)
    db.session.add(entry)
    return entry


@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in (("actor", self.actor), ("action", self.action),
                                  ("target_type", self.target_type), ("target_id", self.target_id),
                                  ("since", self.since.isoformat() if self.since else None),
                                  ("until", self.until.isoformat() if self.until else None)) if v}


@dataclass
class AuditPage:
    entries: list[AuditLog]
    next_before: int | None
    unknown_actor: bool = False
    rows: list[Any] = field(default_factory=list)  # the entries in words (presenting.present), when asked


def _audit_query(filters: AuditFilters) -> Any:
    query = select(AuditLog).options(joinedload(AuditLog.actor))
    if filters.actor:
        # Usernames compare by their skeleton (as accounts stores them): lookalikes match.
        name = " ".join(filters.actor.split())[:64]
        query = query.where(AuditLog.actor.has(username_canonical=skeleton(name)))
    if filters.action:
        # "post" matches every post.* action; "post.hide" exactly that one.
        action = filters.action.strip()
        query = query.where(or_(AuditLog.action == action, AuditLog.action.like(action.replace("%", "") + ".%")))
    if filters.target_type:
        query = query.where(AuditLog.target_type == filters.target_type.strip())
    if filters.target_id is not None:
        query = query.where(AuditLog.target_id == filters.target_id)
    if filters.since:
        query = query.where(AuditLog.created_at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        query = query.where(AuditLog.created_at < datetime.combine(filters.until + timedelta(days=1), time.min, UTC))
    return query


def audit_page(filters: AuditFilters, before: int | None = None) -> AuditPage:
    """Newest first, keyset-paginated by id (as fast on the last page as on the first)."""
    query = _audit_query(filters)
    if before:
        query = query.where(AuditLog.id < before)
    rows = list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(AUDIT_PAGE_SIZE + 1)))
    next_before = rows[AUDIT_PAGE_SIZE - 1].id if len(rows) > AUDIT_PAGE_SIZE else None
    return AuditPage(entries=rows[:AUDIT_PAGE_SIZE], next_before=next_before)


CSV_HEADER = ("id", "created_at", "actor", "action", "target_type", "target_id", "before", "after", "reason",
              "ip_address")


def _csv_batches(filters: AuditFilters, batch: int) -> Iterator[list[list[Any]]]:
    before: int | None = None
    while True:
        query = _audit_query(filters)
        if before is not None:
            query = query.where(AuditLog.id < before)
        rows = list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(batch)))
        if not rows:
            return
        yield [[e.id, e.created_at.isoformat(), e.actor.username if e.actor else "", e.action, e.target_type,
                e.target_id if e.target_id is not None else "",
                json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                e.reason or "", e.ip_address or ""] for e in rows]
        before = rows[-1].id


def audit_csv(filters: AuditFilters, batch: int = 500) -> Iterator[str]:
    """Every matching entry as CSV text, read in keyset batches (constant memory); every cell
    through the one formula guard."""
    return csv_export.stream(CSV_HEADER, _csv_batches(filters, batch))
