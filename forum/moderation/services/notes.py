"""Staff notes about members, and the record moderators see on a profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.text import strip_invisible

from .. import permissions
from ..models import Flag, FlagStatus, Sanction, StaffNote
from .flags import flag_weight


def add_staff_note(actor: User, user: User, body: str) -> StaffNote:
    if not permissions.can_note_user(actor, user):
        raise PermissionDenied()
    body = (body or "").strip()[:5000]
    if not strip_invisible(body).strip():
        raise ValidationFailed({"body": _("Write the note.")})
    note = StaffNote(user_id=user.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    record_action(actor, "user.note", "user", user.id, after={"note": note.id})
    db.session.commit()
    return note


@dataclass
class MemberRecord:
    """What moderators see about a member on their profile."""

    notes: list[StaffNote]
    sanctions: list[Sanction]
    flags_agreed: int
    flags_disagreed: int
    weight: float


def member_record(viewer: Any, user: User) -> MemberRecord:
    if not permissions.can_moderate(viewer):
        raise PermissionDenied()
    notes = list(db.session.scalars(select(StaffNote).options(joinedload(StaffNote.author))
                                    .where(StaffNote.user_id == user.id).order_by(StaffNote.created_at.desc())))
    sanctions = list(db.session.scalars(select(Sanction).options(joinedload(Sanction.created_by))
                                        .where(Sanction.user_id == user.id).order_by(Sanction.created_at.desc())
                                        .limit(50)))
    rows = dict(db.session.execute(select(Flag.status, func.count()).where(Flag.user_id == user.id)
                                   .group_by(Flag.status)).all())
    agreed, disagreed = int(rows.get(FlagStatus.AGREED, 0)), int(rows.get(FlagStatus.DISAGREED, 0))
    return MemberRecord(notes=notes, sanctions=sanctions, flags_agreed=agreed, flags_disagreed=disagreed,
                        weight=flag_weight(user))
