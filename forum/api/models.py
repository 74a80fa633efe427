"""API keys (issue 14): a secret a program sends as ``Authorization: Bearer <key>``.

A key is ``circolo_<prefix>_<secret>``: the prefix is public (it finds the row, and names the
key in lists and logs), the secret is a random 256-bit token stored only as its SHA-256: a
hash of a high-entropy token is as good as a password hash against a stolen database and
costs nothing per request. The whole key is shown once, when it is made.

Keys are never deleted: a revoked key keeps its row (who made it, when, when it was last
used), so the audit log can still name it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.accounts.models import User
from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class KeyKind(StrEnum):
    USER = "user"    # a member's own key, made in their settings: read / write
    ADMIN = "admin"  # made by an admin for an integration: any scope, optionally acting as a member


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"
    MODERATION = "moderation"
    ADMIN = "admin"


USER_SCOPES = (Scope.READ, Scope.WRITE)
ALL_SCOPES = (Scope.READ, Scope.WRITE, Scope.MODERATION, Scope.ADMIN)


class ApiKey(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(8), default=KeyKind.USER)
    scopes: Mapped[list] = mapped_column(JSON, default=list)  # type: ignore[type-arg]
    # Whose permissions the key carries: the member for a user key; for an admin key the
    # member it acts as, else the admin who made it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # An admin key made to act as a member (an integration posting as "bot"): True.
    acts_as_user: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    __table_args__ = (
        Index("ix_api_keys_user", "user_id", "created_at"),
        Index("ix_api_keys_kind", "kind", "created_at"),
    )

    @property
    def display(self) -> str:
        """How lists name the key: its public part only."""
        return f"circolo_{self.prefix}_…"
