"""What staff keeps about a member, for their data export and erasure (forum.privacy): the
staff groups they speak for and the expert badges they were given. Erasure ends both (a former
member speaks for nobody); their official replies stay, as the former member's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum.extensions import db

from .models import ExpertBadge, StaffGroup, StaffMembership


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Roles:
    name = "staff_roles"
    description = _l("The staff groups you belong to and the expert badges you were given.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        groups = db.session.execute(select(StaffMembership, StaffGroup.name)
                                    .join(StaffGroup, StaffGroup.id == StaffMembership.group_id)
                                    .where(StaffMembership.user_id == user.id).order_by(StaffMembership.id))
        badges = db.session.scalars(select(ExpertBadge).where(ExpertBadge.user_id == user.id)
                                    .order_by(ExpertBadge.granted_at))
        return ([{"what": "staff_group", "name": name, "primary": m.is_primary, "since": iso(m.created_at)}
                 for m, name in groups]
                + [{"what": "expert_badge", "name": b.label, "primary": None, "since": iso(b.granted_at)}
                   for b in badges])

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(StaffMembership).where(StaffMembership.user_id == user.id))
        db.session.execute(delete(ExpertBadge).where(ExpertBadge.user_id == user.id))
        user.is_staff_member = False


SECTIONS = (Roles(),)
