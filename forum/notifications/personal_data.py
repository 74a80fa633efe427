"""What notifications keeps about a member, for their data export and erasure (forum.privacy):
their preferences (the ``users.notification_prefs`` and ``users.digest`` columns) and the
notices they received."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from forum.accounts.states import FORMER_MEMBER
from forum.extensions import db

from .models import Notification


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Preferences:
    name = "notification_preferences"
    description = _l("How you chose to be notified, and your summary mail.")

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
    description = _l("The notifications you received.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                  .order_by(Notification.created_at, Notification.id))
        return [{"kind": n.kind, "created_at": iso(n.created_at), "read_at": iso(n.read_at), "url": n.url,
                 "message": n.message, "topic_id": n.topic_id, "post_id": n.post_id} for n in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        """Their own notices go; the others' notices they caused (every kind stores its actor's
        name in ``params["actor"]`` and the actor's id in ``actor_id``) name a former member."""
        db.session.execute(delete(Notification).where(Notification.user_id == user.id))
        name = user.display_name or ""
        for notice in db.session.scalars(select(Notification).where(Notification.actor_id == user.id)):
            if isinstance(notice.params, dict) and "actor" in notice.params:
                notice.params = {**notice.params, "actor": FORMER_MEMBER}  # a new dict: the JSON column sees it
            if notice.message and len(name) >= 3:  # text stored before notices were rendered at read time
                notice.message = notice.message.replace(name, FORMER_MEMBER)


SECTIONS = (Preferences(), Notices())
