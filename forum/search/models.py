"""Items whose index update failed: retried until the index agrees with the database."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class PendingReindex(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "search_pending_reindex"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # a search source's or feed's kind ("post", "topic", ...)
    object_id: Mapped[int] = mapped_column()
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (UniqueConstraint("kind", "object_id"),)
