"""The audit log and members' data rights (forum.privacy).

The log is append-only for the ORM (forum.audit.models); these two are its only sanctioned
rewrites, both Core statements that change no action, actor, target, time or reason's sense:

* :class:`AuditAddresses`: the IP retention job truncates or removes ``ip_address``.
* :func:`scrub_member`: when an account is erased, the entries by or about it keep who did what
  to which id, but lose the member's own values (email, username, display name) wherever the
  ``before`` / ``after`` JSON or the reason quoted them, and the IPs of what they did.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update

from forum.extensions import db
from forum.ip_addresses import purge_addresses

from .models import AuditLog

ERASED = "[erased]"
# Keys whose value is personal whatever it is (an SSO link's email, say).
PERSONAL_KEYS = frozenset({"email", "email_canonical", "ip", "ip_address"})


class AuditAddresses:
    def purge_addresses(self, before: datetime, *, truncate: bool) -> int:
        table = AuditLog.__table__
        return purge_addresses(table, table.c.ip_address, table.c.created_at, before, truncate=truncate)


def _scrub(value: Any, personal: list[str]) -> Any:
    if isinstance(value, dict):
        return {k: (ERASED if k in PERSONAL_KEYS and v else _scrub(v, personal)) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, personal) for v in value]
    if isinstance(value, str):
        return _scrub_text(value, personal)
    return value


def _scrub_text(text: str, personal: list[str]) -> str:
    folded = text.casefold()
    for word in personal:
        if word.casefold() in folded:
            start = folded.find(word.casefold())
            while start != -1:
                text = text[:start] + ERASED + text[start + len(word):]
                folded = text.casefold()
                start = folded.find(word.casefold(), start + len(ERASED))
    return text


def scrub_member(user_id: int, personal_values: Iterable[str]) -> int:
    """In the caller's transaction: every entry the member made or that is about their account
    loses their personal values and (for their own actions) their IP. Returns how many changed."""
    personal = sorted({v for v in personal_values if v and len(v) >= 3}, key=len, reverse=True)
    table = AuditLog.__table__
    rows = db.session.execute(select(table.c.id, table.c.actor_id, table.c.before, table.c.after, table.c.reason,
                                     table.c.ip_address).where(or_(
                                         table.c.actor_id == user_id,
                                         and_(table.c.target_type == "user", table.c.target_id == user_id)))).all()
    changed = 0
    for row in rows:
        values = {"before": _scrub(row.before, personal), "after": _scrub(row.after, personal),
                  "reason": _scrub_text(row.reason, personal) if row.reason else row.reason}
        if row.actor_id == user_id:
            values["ip_address"] = None
        if any(values[k] != getattr(row, k) for k in values):
            db.session.execute(update(table).where(table.c.id == row.id).values(**values))
            changed += 1
    return changed
