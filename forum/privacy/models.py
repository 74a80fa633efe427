"""Members' data rights: export requests (and their files) and account deletion requests.

Neither table holds personal data of its own: an export row points at a file in the forum's
storage (removed after the link expires), a deletion row keeps when and how an account was
closed, which stays after the erasure as the record that it happened.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class ExportState(StrEnum):
    PENDING = "pending"  # the job has not built the file yet
    READY = "ready"      # the file is in storage and the link was mailed
    FAILED = "failed"    # the job gave up (the member may ask again)
    EXPIRED = "expired"  # the link's time is up: the file was removed


class DataExport(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "privacy_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=ExportState.PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The file in the forum's storage (forum.uploads.storage), never under the web root.
    storage_key: Mapped[str | None] = mapped_column(String(200))
    size: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_privacy_exports_user", "user_id", "requested_at"),
                      Index("ix_privacy_exports_state", "state", "expires_at"))


class DeletionState(StrEnum):
    REQUESTED = "requested"  # password given, confirmation mail sent
    SCHEDULED = "scheduled"  # confirmed: the grace period runs, the account is deactivated
    CANCELLED = "cancelled"  # the member changed their mind (before or during the grace period)
    ERASED = "erased"        # done


class AccountDeletion(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "privacy_deletions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=DeletionState.REQUESTED)
    # The member's published posts are hidden (withdrawn) instead of kept as "former member".
    remove_content: Mapped[bool] = mapped_column(Boolean, default=False)
    # Part of the confirmation link: a new request makes the old link useless.
    nonce: Mapped[str] = mapped_column(String(32))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erase_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # users.membership before the grace period (a cancellation puts it back).
    previous_membership: Mapped[str | None] = mapped_column(String(16))

    __table_args__ = (Index("ix_privacy_deletions_user", "user_id", "state"),
                      Index("ix_privacy_deletions_due", "state", "erase_after"))
