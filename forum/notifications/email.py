"""The mail of a notification: the ``notifications.email`` job.

``notify`` queues it (``{"notification_id": …}``) when the member's delivery for the kind is
mail; the job renders the notice in the recipient's language and time zone and sends it (the
outbox makes it leave once). First version: plain text with the absolute link.
"""

from __future__ import annotations

from typing import Any

from forum.accounts.models import User
from forum.extensions import db
from forum.mail import send_mail
from forum.urls import public_url

from .kinds import find_kind
from .models import Notification
from .rendering import reading_as

EMAIL_JOB = "notifications.email"


def send_notification_email(payload: dict[str, Any]) -> None:
    notice = db.session.get(Notification, int(payload["notification_id"]))
    if notice is None or notice.email_state in ("queued", "sent"):
        return
    user = db.session.get(User, notice.user_id)
    kind = find_kind(notice.kind)
    if user is None or kind is None or kind.subject is None:
        return
    with reading_as(user):
        text = kind.message(notice.params or {})
        subject = kind.subject(notice.params or {})
    send_mail(user.email, subject, text + (f"\n\n{public_url(notice.url)}" if notice.url else ""),
              dedupe_key=f"notification:{notice.id}")
    notice.email_state = "queued"
    db.session.commit()
