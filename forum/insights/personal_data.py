"""What insights keeps about a member, for their data export and erasure (forum.privacy): the
days they were active (posted, reacted or visited), which weekly and monthly active counts are
made of. Erasure drops those days; the daily totals already counted stay (they name nobody)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum.extensions import db

from .models import MemberDay


class ActiveDays:
    name = "active_days"
    description = _l("The days you were active on the forum (posted, reacted or visited), used only for "
                     "the community's activity statistics.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        days = db.session.scalars(select(MemberDay.day).where(MemberDay.user_id == user.id).order_by(MemberDay.day))
        return [{"day": day.isoformat()} for day in days]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(MemberDay).where(MemberDay.user_id == user.id))


SECTIONS = (ActiveDays(),)
