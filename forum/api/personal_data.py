"""The member's API keys in their data export (names, scopes, dates: never a secret, of which
only a hash is kept anyway), and their revocation on erasure (forum.privacy)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from forum.db_types import utcnow
from forum.extensions import db

from .models import ApiKey


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Keys:
    name = "api_keys"
    description = _l("Your API keys: names, scopes and dates (never the secrets).")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at))
        return [{"name": k.name, "kind": k.kind, "scopes": " ".join(k.scopes or []), "created_at": iso(k.created_at),
                 "last_used_at": iso(k.last_used_at), "revoked_at": iso(k.revoked_at)} for k in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(update(ApiKey).where(ApiKey.user_id == user.id, ApiKey.revoked_at.is_(None))
                           .values(revoked_at=utcnow()), execution_options={"synchronize_session": False})
        # The names members gave their keys are theirs too.
        db.session.execute(update(ApiKey).where(ApiKey.user_id == user.id).values(name="—"),
                           execution_options={"synchronize_session": False})


SECTIONS = (Keys(),)
