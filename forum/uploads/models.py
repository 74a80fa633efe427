"""Uploaded files and what uses them.

An :class:`Upload` is one file a member (or the brand) put on the site, stored re-encoded under
keys derived from its random token (never from its content: two members' identical photos are
two rows, so one file can never straddle two permission contexts). :class:`UploadReference`
says what uses it (a post's current text, a past revision, a member's avatar, a brand asset):
who may read a file follows from its references, and a file nothing references is collected
after a grace period. A collected file keeps its row (``collected_at``): the audit of what was
on the site outlives the bytes.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class UploadKind(StrEnum):
    IMAGE = "image"            # shown in posts: a web version and a thumbnail
    ATTACHMENT = "attachment"  # downloaded, never shown inline
    AVATAR = "avatar"          # square sizes; public
    BRAND = "brand"            # logo, favicon, social image; public


class ReferenceKind(StrEnum):
    POST = "post"            # the post's current text: readers of the post may read the file
    REVISION = "revision"    # an earlier text of the post: kept for its history, staff only
    AVATAR = "avatar"        # a member's current avatar (target: user id)
    BRAND = "brand"          # a brand asset in the settings (target: 0)
    MESSAGE = "message"      # a private conversation's message: its readers only (uploads.interfaces)


class Upload(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "uploads"
    __table_args__ = (Index("ix_uploads_user_created", "user_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    original_name: Mapped[str] = mapped_column(String(255))  # as the member named it (shown, never a path)
    url_name: Mapped[str] = mapped_column(String(120))       # ASCII name in the URL, with the served extension
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)            # bytes of the stored (served) file
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    thumbnail_width: Mapped[int | None] = mapped_column(Integer)
    thumbnail_height: Mapped[int | None] = mapped_column(Integer)
    animated: Mapped[bool] = mapped_column(Boolean, default=False)
    sha256: Mapped[str] = mapped_column(String(64))          # of the stored file: ETag and integrity checks
    source_url_hash: Mapped[str | None] = mapped_column(String(64), index=True)  # a downloaded remote image
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Stamped by every write that starts using the file: the collector never takes a file a
    # write is putting in use right now (its conditional UPDATE sees the stamp; see collector).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    collected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # bytes removed by the collector

    @property
    def is_image(self) -> bool:
        return self.kind in (UploadKind.IMAGE, UploadKind.AVATAR, UploadKind.BRAND)


class UploadReference(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "upload_references"
    __table_args__ = (
        UniqueConstraint("upload_id", "target_kind", "target_id", name="uq_upload_references"),
        Index("ix_upload_references_target", "target_kind", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    upload_id: Mapped[int] = mapped_column(ForeignKey("uploads.id"))
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
