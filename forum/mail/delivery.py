"""Mail through the job queue: the policy.

:func:`stage` writes the message as a row (``mail_messages``) and queues the ``mail.send`` job,
both in the caller's transaction: a failed write mails nobody, and a committed one mails even if
the worker restarts. The job (:func:`send_job`):

* **Never twice.** It marks the row ``sending`` and commits *before* handing it to the server,
  then ``sent``. Finding a row still ``sending`` means a worker died in between: whether the
  server got it is unknown, so it is marked ``uncertain`` and left for an admin (``/admin/jobs``
  can send it again), never resent on its own. A refusal by the server is known: ``failed``,
  and the job retries it with a growing delay.
* **At the provider's pace.** No more than ``MAIL_RATE_PER_MINUTE`` messages leave in any
  minute (counted from ``sent_at``, shared by every worker); over it, the job waits
  (``Later``) without using an attempt.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, delete, func, or_, select, update

from forum import jobs
from forum.db_types import utcnow
from forum.extensions import db

from .models import MailMessage, MailState
from .senders import MailSender, Message

SEND_JOB = "mail.send"


def stage(message: Message, dedupe_key: str | None = None) -> MailMessage:
    """Write ``message`` to the outbox and queue its sending, in the caller's transaction (the
    caller commits). A ``dedupe_key`` already used returns the message written then."""
    if dedupe_key:
        existing = db.session.scalar(select(MailMessage).where(MailMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    row = MailMessage(to=message.to, subject=message.subject, text=message.body, html=message.html,
                      headers=dict(message.headers), dedupe_key=dedupe_key)
    db.session.add(row)
    db.session.flush()
    jobs.enqueue(SEND_JOB, {"id": row.id}, dedupe_key=f"mail:{row.id}")
    return row


def send_job(payload: dict[str, Any]) -> None:
    row = db.session.get(MailMessage, int(payload["id"]))
    if row is None or row.state in (MailState.SENT, MailState.UNCERTAIN):
        return
    if row.state == MailState.SENDING:
        # The last attempt died between handing it over and recording the answer.
        row.state = MailState.UNCERTAIN
        db.session.commit()
        return
    _wait_for_the_rate()
    before = {"state": row.state, "attempted_at": row.attempted_at}  # to step back to (the rate)
    now = utcnow()
    claimed = db.session.execute(update(MailMessage).where(
        MailMessage.id == row.id, MailMessage.state.in_((MailState.QUEUED, MailState.FAILED)))
        .values(state=MailState.SENDING, attempted_at=now, attempts=MailMessage.attempts + 1))
    db.session.commit()
    if not claimed.rowcount:  # type: ignore[attr-defined]
        return  # another worker has it
    if _over_the_rate():  # workers that passed the check together: the later claims step back
        db.session.execute(update(MailMessage).where(MailMessage.id == row.id, MailMessage.state == MailState.SENDING)
                           .values(**before, attempts=MailMessage.attempts - 1))
        db.session.commit()
        raise jobs.Later(1.0)
    sender: MailSender = current_app.extensions["forum.mail"]
    try:
        sender.send(Message(to=row.to, subject=row.subject, body=row.text, html=row.html,
                            headers=dict(row.headers or {})))
    except Exception as exc:
        db.session.rollback()
        db.session.execute(update(MailMessage).where(MailMessage.id == row.id).values(
            state=MailState.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:2000]))
        db.session.commit()
        raise  # the job retries it later
    db.session.execute(update(MailMessage).where(MailMessage.id == row.id).values(
        state=MailState.SENT, sent_at=utcnow(), last_error=None))
    db.session.commit()


def _in_the_last_minute() -> Any:
    """Messages that count against the provider's rate: sent, or being handed over, in the
    last 60 seconds (a claim counts at once, so workers running together see each other)."""
    minute_ago = utcnow() - timedelta(seconds=60)
    return or_(MailMessage.sent_at >= minute_ago,
               and_(MailMessage.state == MailState.SENDING, MailMessage.attempted_at >= minute_ago))


def _over_the_rate() -> bool:
    """After a claim: more than the rate in the last minute, this message included."""
    rate = int(current_app.config.get("MAIL_RATE_PER_MINUTE") or 0)
    if rate <= 0:
        return False
    taken = db.session.scalar(select(func.count()).select_from(MailMessage).where(_in_the_last_minute())) or 0
    return taken > rate


def _wait_for_the_rate() -> None:
    rate = int(current_app.config.get("MAIL_RATE_PER_MINUTE") or 0)
    if rate <= 0:
        return
    minute_ago = utcnow() - timedelta(seconds=60)
    sent = db.session.scalar(select(func.count()).select_from(MailMessage).where(_in_the_last_minute())) or 0
    if sent >= rate:
        oldest = db.session.scalar(select(func.min(MailMessage.sent_at)).where(MailMessage.sent_at >= minute_ago))
        wait = 1.0 if oldest is None else max(1.0, (oldest + timedelta(seconds=60) - utcnow()).total_seconds())
        raise jobs.Later(wait)


def send_again(message_id: int) -> bool:
    """An admin's choice for an ``uncertain`` or ``failed`` message: queue it once more."""
    row = db.session.get(MailMessage, message_id)
    if row is None or row.state not in (MailState.UNCERTAIN, MailState.FAILED):
        return False
    row.state = MailState.QUEUED
    jobs.enqueue(SEND_JOB, {"id": row.id}, dedupe_key=f"mail:{row.id}:again:{row.attempts}")
    db.session.commit()
    return True


def counts() -> dict[str, int]:
    rows = db.session.execute(select(MailMessage.state, func.count()).group_by(MailMessage.state)).all()
    return {str(state): int(n) for state, n in rows}


PRUNE_JOB = "mail.prune"


def prune_job(_payload: dict[str, Any]) -> None:
    """Sent messages are forgotten after ``MAIL_KEEP_DAYS``: they hold reset and sign-in links,
    and the row was only ever the way to deliver them once. Failed and uncertain ones stay."""
    cutoff = utcnow() - timedelta(days=int(current_app.config.get("MAIL_KEEP_DAYS") or 7))
    ids = list(db.session.scalars(select(MailMessage.id).where(
        MailMessage.state == MailState.SENT, MailMessage.sent_at < cutoff).limit(5000)))
    if ids:
        db.session.execute(delete(MailMessage).where(MailMessage.id.in_(ids)))
    db.session.commit()
