"""Notify members: an in-app notification, optionally mailed, in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import current_app, g, has_request_context
from flask_babel import force_locale
from sqlalchemy import func, select, update

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.mail import send_mail
from forum.urls import public_url, safe_next

from .models import Notification


def notify(user: User, kind: str, message: Callable[[], str] | str, *, url: str | None = None,
           email_subject: Callable[[], str] | str | None = None, dedupe_key: str | None = None) -> bool:
    """Stage a notification for ``user`` (the caller commits). Returns False when ``dedupe_key``
    was already used for this user, so retries and cron re-runs never notify twice.

    Pass ``message`` (and ``email_subject``) as zero-argument callables of gettext so the text
    is translated in the RECIPIENT's language, not the actor's.
    """
    if dedupe_key and db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key)):
        return False
    locale = user.locale or current_app.config["DEFAULT_LOCALE"]
    with force_locale(locale):
        text = message() if callable(message) else message
        subject = email_subject() if callable(email_subject) else email_subject
    db.session.add(Notification(user_id=user.id, kind=kind, message=text, url=safe_next(url, "") or None,
                                dedupe_key=dedupe_key))
    if subject:
        link = public_url(url or "/")
        send_mail(user.email, subject, text + (f"\n\n{link}" if url else ""))
    return True


def unread_count(user: Any) -> int:
    if not user.is_authenticated:
        return 0
    key = "unread_notifications"
    if has_request_context() and key in g:
        return int(g.get(key))
    count = db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
    if has_request_context():
        setattr(g, key, count)
    return int(count)


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                   Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
