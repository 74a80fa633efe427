"""Notify members: an in-app notice, mailed when its kind has a subject.

A notification stores its kind and its parameters, never a sentence: it is rendered when read
(:func:`forum.notifications.rendering.render`, in the reader's language and zone) and when
mailed (in the recipient's). See :mod:`forum.notifications.kinds`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import g, has_request_context
from sqlalchemy import func, select, update

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.extensions import db
from forum.mail import send_mail
from forum.urls import public_url, safe_next

from .kinds import NotificationKind, get_kind
from .models import Notification
from .rendering import reading_as


def checked_params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` as they will be read back from the JSON column; anything that would not come
    back the same (a datetime, a tuple, a non-string key, NaN) is a programming error."""
    values = dict(params or {})
    try:
        text = json.dumps(values, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"notification params must be JSON values (dates as ISO strings): {exc}") from exc
    stored: dict[str, Any] = json.loads(text)
    if stored != values:
        raise TypeError("notification params must read back unchanged from JSON "
                        f"(string keys, lists rather than tuples): {values!r}")
    return stored


def notify(user: User, kind: str | NotificationKind, params: Mapping[str, Any] | None = None, *,
           url: str | None = None, dedupe_key: str | None = None) -> bool:
    """Stage a notification of ``kind`` for ``user`` (the caller commits). Returns False when
    ``dedupe_key`` was already used for this user, so retries and cron re-runs never notify twice.

    When the kind has a mail subject, the mail is rendered now in the RECIPIENT's language and
    time zone (not the actor's), with the absolute link on its own line. Parameters the kind's
    renderers cannot read raise here (a programming error), like an unknown kind.
    """
    spec = get_kind(kind)  # an unknown kind fails loudly, before anything is staged
    values = checked_params(params)
    if dedupe_key and db.session.scalar(select(Notification.id).where(
            Notification.user_id == user.id, Notification.dedupe_key == dedupe_key)):
        return False
    path = safe_next(url, "") or None  # a local path only: mail makes it absolute
    # Rendered once now even when not mailed: parameters the kind cannot read fail here, in the
    # caller's test, rather than as a neutral sentence on the member's page later.
    with reading_as(user):
        text = spec.message(values)
        subject = spec.subject(values) if spec.subject is not None else None
    db.session.add(Notification(user_id=user.id, kind=spec.name, params=values, message=None,
                                url=path, dedupe_key=dedupe_key))
    if subject is not None:
        send_mail(user.email, subject, text + (f"\n\n{public_url(path)}" if path else ""))
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
    """The latest notices (one query: rendering them needs nothing more)."""
    return list(db.session.scalars(select(Notification).where(Notification.user_id == user.id)
                                   .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)))


def mark_all_read(user: User) -> None:
    db.session.execute(update(Notification).where(Notification.user_id == user.id,
                                                   Notification.read_at.is_(None)).values(read_at=utcnow()))
    db.session.commit()
