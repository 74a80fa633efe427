"""Reading notifications in tests as their recipient reads them (rendered at read time)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from forum.extensions import db
from forum.notifications import reading_as, render
from forum.notifications.models import Notification


def notices(user: Any, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query.order_by(Notification.id)))


def texts(user: Any, kind: str | None = None) -> list[str]:
    """The texts of ``user``'s notices, oldest first, in their language and time zone."""
    with reading_as(user, name_zone=False):
        return [render(n) for n in notices(user, kind)]


def text_of(notification: Notification, reader: Any) -> str:
    with reading_as(reader, name_zone=False):
        return render(notification)
