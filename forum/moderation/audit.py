"""The audit trail: every staff action records who, what, target, before/after, why, when."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from forum.extensions import db

from .models import AuditLog


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
