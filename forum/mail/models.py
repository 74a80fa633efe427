"""The mail outbox: each message is a row, written in the transaction that sends it.

A message leaves through a job (forum.jobs). Its state says what is known: ``queued``,
``sending`` (handed to the server, outcome not yet recorded), ``sent``, ``failed`` (the server
refused it; retried while attempts remain). A worker that dies while ``sending`` leaves the
outcome unknown: such a message is not sent again on its own (never twice), it is shown to
admins as ``uncertain``.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class MailState(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    UNCERTAIN = "uncertain"


class MailMessage(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(Text)
    text: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[Any] = mapped_column(JSON, default=dict)  # List-Unsubscribe and the like
    # What the message is about ("notification:42", "digest:7:2026-12-05"): one message per key.
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=MailState.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_mail_messages_state", "state", "created_at"),
        Index("ix_mail_messages_sent_at", "sent_at"),
    )
