"""The member's links to the brand's identity provider, in their data export and removed on
erasure (forum.privacy): nobody signs in to an erased account through the provider again."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum.extensions import db

from .models import ExternalIdentity


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Links:
    name = "sign_in_links"
    description = _l("Your links to the organisation's sign-in provider.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                                  .order_by(ExternalIdentity.created_at))
        return [{"provider": r.provider, "subject": r.subject, "email": r.email, "linked_at": iso(r.created_at),
                 "last_sign_in_at": iso(r.last_login_at)} for r in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))


SECTIONS = (Links(),)
