"""What notifications keeps about a member, for their data export and erasure (forum.privacy):
their preferences (the ``users.notification_prefs`` and ``users.digest`` columns) and the
notices they received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from forum.extensions import db

from .models import Notification


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Preferences:
    name = "notification_preferences"

    def export(self, user: Any) -> list[dict[str, Any]]:
        prefs = user.notification_prefs if isinstance(user.notification_prefs, dict) else {}
        rows: list[dict[str, Any]] = [{"setting": key, "value": str(value)} for key, value in sorted(prefs.items())]
        rows.append({"setting": "digest", "value": user.digest or "default"})
        return rows

    def erase(self, user: Any, *, remove_content: bool) -> None:
        user.notification_prefs = {}
        user.digest = None
        user.last_digest_at = None


class Notices:
    name = "notifications"

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                  .order_by(Notification.created_at, Notification.id))
        return [{"kind": n.kind, "created_at": iso(n.created_at), "read_at": iso(n.read_at), "url": n.url,
                 "message": n.message, "topic_id": n.topic_id, "post_id": n.post_id} for n in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        db.session.execute(delete(Notification).where(Notification.user_id == user.id))


SECTIONS = (Preferences(), Notices())
