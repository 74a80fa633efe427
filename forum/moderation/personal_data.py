"""What moderation keeps about a member, for their data export and erasure (forum.privacy).

Exported: the flags they raised and the sanctions they received (with the reason they were
shown; staff notes and a sanction's staff-only note are the moderators' own records). Erased:
what the member wrote for the moderators' review about themselves (application answers, held
profile text). Flags and sanctions stay as the moderation history, attributed to the former
member.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from forum.extensions import db

from .models import Flag, ReviewItem, ReviewKind, Sanction


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Flags:
    name = "flags"
    description = _l("The posts you reported to the moderators, and why.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Flag).where(Flag.user_id == user.id).order_by(Flag.created_at))
        return [{"post_id": f.post_id, "reason": f.reason, "text": f.text, "status": f.status,
                 "created_at": iso(f.created_at), "resolved_at": iso(f.resolved_at)} for f in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """Kept: part of the moderation history of other members' posts."""


class Sanctions:
    name = "sanctions"
    description = _l("Warnings, read-only periods and suspensions you received, with their reasons.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.created_at))
        return [{"kind": s.kind, "reason": s.reason, "created_at": iso(s.created_at), "expires_at": iso(s.expires_at),
                 "acknowledged_at": iso(s.acknowledged_at), "lifted_at": iso(s.lifted_at)} for s in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(update(ReviewItem).where(
            ReviewItem.user_id == user.id, ReviewItem.kind.in_((ReviewKind.MEMBER, ReviewKind.PROFILE)))
            .values(data=None), execution_options={"synchronize_session": False})


SECTIONS = (Flags(), Sanctions())
