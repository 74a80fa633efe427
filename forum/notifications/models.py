"""A notification tells one member that something concerns them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class Notification(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # "mention", "reply", "post_rejected", "event_promoted", ...
    # What happened, rendered in the reader's language when shown (see services.render).
    params: Mapped[dict | None] = mapped_column(JSON)  # type: ignore[type-arg]
    # Plain text already translated, for notices from before kinds were rendered at read time.
    message: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(500))  # a local path
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Idempotency: the same (user, key) is never notified twice (reminders, retries).
    dedupe_key: Mapped[str | None] = mapped_column(String(120))
    # What it is about, for grouping ("3 new replies in …"), for hiding what the reader may no
    # longer read, and for ignoring a member: plain ids, no foreign keys (notifications sit
    # below discussions; a topic is never deleted, only hidden).
    topic_id: Mapped[int | None] = mapped_column()
    post_id: Mapped[int | None] = mapped_column()
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Mail for this notice: None (in-app only or not decided), "queued" (in the outbox), "skipped".
    email_state: Mapped[str | None] = mapped_column(String(12))

    __table_args__ = (
        Index("ix_notifications_user", "user_id", "read_at", "created_at"),
        Index("uq_notifications_dedupe", "user_id", "dedupe_key", unique=True),
        Index("ix_notifications_user_topic", "user_id", "topic_id"),
        Index("ix_notifications_post", "post_id", "user_id"),  # the fan-out's "already told"
        Index("ix_notifications_user_id", "user_id", "id"),    # the bell and the page: newest first
        # SQLite: never hand a deleted notice's id to the next one (its mail is keyed on the id).
        {"sqlite_autoincrement": True},
    )
