"""Taking a file in: check the limits, verify what it really is, re-encode, store, record.

Nothing a member uploads is stored as sent. Images are decoded and written again without any
metadata (:mod:`forum.uploads.images`); attachments must have an allowed extension AND content
that matches it (a PDF starts like a PDF, a text is UTF-8 text). The bytes are stored first and
the row is committed after; if the row cannot be written the stored files are removed (a file
whose removal fails too is left in storage with no row: bytes nobody can reach, never a row
without bytes).
"""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import PurePath

from flask_babel import gettext as _
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting
from forum.uploads import images
from forum.uploads.limits import MAX_PIXELS, attachment_extensions, human_size, limits_for
from forum.uploads.models import Upload, UploadKind
from forum.uploads.permissions import can_upload

from .store import file_storage, main_key, new_token, thumbnail_key

FIELD = "file"
IMAGE_EXTENSIONS = frozenset({"jpg", "jpeg", "png", "gif", "webp", "avif", "heic", "heif", "bmp", "tif", "tiff"})
_ATTACHMENT_TYPES = {"pdf": "application/pdf", "txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8",
                     "zip": "application/zip", "md": "text/plain; charset=utf-8", "log": "text/plain; charset=utf-8",
                     "json": "application/json", "docx": "application/octet-stream",
                     "xlsx": "application/octet-stream", "pptx": "application/octet-stream",
                     "odt": "application/octet-stream", "ods": "application/octet-stream"}
_TEXT_EXTENSIONS = frozenset({"txt", "csv", "md", "log", "json"})
_ZIP_EXTENSIONS = frozenset({"zip", "docx", "xlsx", "pptx", "odt", "ods"})
_MAGIC = {"pdf": (b"%PDF-",), **{e: (b"PK\x03\x04", b"PK\x05\x06") for e in _ZIP_EXTENSIONS}}
_NAME_UNSAFE_RE = re.compile(r"[^a-z0-9._-]+")


@dataclass(frozen=True)
class Accepted:
    upload: Upload
    markdown: str  # what the composer inserts


def accept_upload(user: User, filename: str, data: bytes) -> Accepted:
    """Store one file a member sends for a post; raises ValidationFailed (``file``) with a
    message in their language, or PermissionDenied."""
    if not can_upload(user):
        raise PermissionDenied()
    name = display_name(filename)
    extension = PurePath(name).suffix.lower().lstrip(".")
    _check_size(user, len(data), extension in IMAGE_EXTENSIONS)
    image_format = images.sniff_format(data)
    if image_format is not None:
        upload = _store_image(user, name, data)
    else:
        upload = _store_attachment(user, name, extension, data)
    return Accepted(upload, markdown_for(upload))


def markdown_for(upload: Upload) -> str:
    label = _markdown_label(PurePath(upload.original_name).stem if upload.kind == UploadKind.IMAGE
                            else upload.original_name)
    if upload.kind == UploadKind.IMAGE:
        return f"![{label}](upload://{upload.token})"
    return f"[{label}](upload://{upload.token})"


def _markdown_label(text: str) -> str:
    """A file name as link text: Markdown that could end the label or open a code span, an
    emphasis or an autolink is escaped (``my_photo.jpg`` stays readable: intraword ``_`` is text)."""
    text = " ".join(text.split())[:120] or "file"
    return re.sub(r"([\\\[\]`*<>])", r"\\\1", text)


def display_name(filename: str, default: str = "file") -> str:
    """A member's file name as the site shows it: no folders, no control characters, NFC, at most
    200 characters. Shown and offered as the download name, never used as a path."""
    name = PurePath((filename or "").replace("\\", "/")).name
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    return name.strip()[:200] or default


def url_name(name: str, extension: str) -> str:
    """An ASCII name for the URL (the original name is shown, never used as a path)."""
    stem = unicodedata.normalize("NFKD", PurePath(name).stem).encode("ascii", "ignore").decode().lower()
    stem = _NAME_UNSAFE_RE.sub("-", stem).strip("-._")[:80] or "file"
    return f"{stem}.{extension}"


def _check_size(user: User, size: int, looks_like_image: bool) -> None:
    limits = limits_for(user)
    if size > limits.max_file_bytes:
        message = (_("This image is %(size)s; the limit is %(limit)s.", size=human_size(size),
                     limit=human_size(limits.max_file_bytes)) if looks_like_image else
                   _("This file is %(size)s; the limit is %(limit)s.", size=human_size(size),
                     limit=human_size(limits.max_file_bytes)))
        raise ValidationFailed({FIELD: message})
    if size == 0:
        raise ValidationFailed({FIELD: _("This file is empty.")})
    if limits.files_per_hour:
        recent = db.session.scalar(select(func.count(Upload.id)).where(
            Upload.user_id == user.id, Upload.created_at >= utcnow() - timedelta(hours=1))) or 0
        if recent >= limits.files_per_hour:
            raise ValidationFailed({FIELD: _(
                "You have uploaded %(count)d files in the last hour, the most the site takes. Please try again "
                "later.", count=int(recent))})
    if limits.daily_bytes:
        since = utcnow() - timedelta(days=1)
        used = db.session.scalar(select(func.coalesce(func.sum(Upload.size), 0))
                                 .where(Upload.user_id == user.id, Upload.created_at >= since)) or 0
        if used + size > limits.daily_bytes:
            raise ValidationFailed({FIELD: _(
                "You have uploaded %(used)s in the last 24 hours and this file is %(size)s; the limit is %(limit)s "
                "a day. Please try again later.", used=human_size(int(used)), size=human_size(size),
                limit=human_size(limits.daily_bytes))})


def image_rejection_message(exc: images.ImageRejected) -> str:
    """An image refusal in the member's language (shared with avatars and brand assets)."""
    code, params = exc.code, exc.params
    if code == "svg":
        return _("SVG images cannot be uploaded (they can carry scripts). Please upload a PNG or JPEG.")
    if code == "too_many_pixels":
        return _("This image is %(width)s × %(height)s pixels; the limit is %(limit)s million pixels.",
                 width=params.get("width", "?"), height=params.get("height", "?"),
                 limit=int(params.get("max_pixels", MAX_PIXELS)) // 1_000_000)  # type: ignore[call-overload]
    if code == "too_many_frames":
        return _("This animation has %(frames)s frames; the limit is %(limit)s.", frames=params.get("frames", "?"),
                 limit=params.get("max_frames", "?"))
    if code == "unsupported_format":
        return _("This kind of image cannot be uploaded. Please use JPEG, PNG, GIF or WebP.")
    if code == "corrupt":
        return _("This image seems damaged and cannot be read. Please try another file.")
    return _("This file is not an image we can read.")


# Decoding a large image takes up to a few hundred MB and a second of CPU: a process decodes at
# most this many at once, so a burst of uploads queues instead of exhausting the machine.
_DECODING = threading.BoundedSemaphore(2)
_DECODING_WAIT_SECONDS = 30


@contextmanager
def decoding_slot() -> Iterator[None]:
    """Hold one of the process's image-decoding slots (every path that decodes member images)."""
    if not _DECODING.acquire(timeout=_DECODING_WAIT_SECONDS):
        raise ValidationFailed({FIELD: _("The site is busy with other pictures. Please try again in a moment.")})
    try:
        yield
    finally:
        _DECODING.release()


def processed_image(data: bytes) -> images.ProcessedImage:
    """A post image re-encoded (raises ValidationFailed with the member's message)."""
    try:
        with decoding_slot():
            return images.process_image(data, max_side=int(get_setting("uploads_image_max_side") or 2048),
                                        max_pixels=MAX_PIXELS)
    except images.ImageRejected as exc:
        raise ValidationFailed({FIELD: image_rejection_message(exc)}) from exc


def _store_image(user: User, name: str, data: bytes) -> Upload:
    return store_image(user.id, name, data)


def store_image(user_id: int | None, name: str, data: bytes, *, source_url_hash: str | None = None) -> Upload:
    """Re-encode and store a post image (a member's, or a hosted remote one: no user, its URL's
    hash); raises ValidationFailed with the refusal in the member's language."""
    processed = processed_image(data)
    web, thumb = processed.web, processed.thumbnail
    upload = Upload(token=new_token(), user_id=user_id, kind=UploadKind.IMAGE, original_name=name,
                    url_name=url_name(name, web.extension), content_type=web.content_type, size=len(web.data),
                    width=web.width, height=web.height, thumbnail_width=thumb.width, thumbnail_height=thumb.height,
                    animated=processed.animated, sha256=hashlib.sha256(web.data).hexdigest(),
                    source_url_hash=source_url_hash)
    return store_files(upload, {main_key(upload): (web.data, web.content_type),
                                thumbnail_key(upload): (thumb.data, thumb.content_type)})


def _store_attachment(user: User, name: str, extension: str, data: bytes) -> Upload:
    if images.looks_like_svg(data) or extension in ("svg", "svgz"):
        raise ValidationFailed({FIELD: _("SVG images cannot be uploaded (they can carry scripts). "
                                         "Please upload a PNG or JPEG.")})
    allowed = attachment_extensions()
    if extension in IMAGE_EXTENSIONS:
        _refuse_as_image(data)
    if extension not in allowed:
        if not allowed:
            raise ValidationFailed({FIELD: _("Only images can be uploaded here.")})
        raise ValidationFailed({FIELD: _("Files of this type cannot be uploaded. Allowed: images and %(list)s.",
                                         list=", ".join(sorted(e.upper() for e in allowed)))})
    if not _content_matches(extension, data):
        raise ValidationFailed({FIELD: _("This file's content does not match its name (.%(extension)s).",
                                         extension=extension)})
    upload = Upload(token=new_token(), user_id=user.id, kind=UploadKind.ATTACHMENT, original_name=name,
                    url_name=url_name(name, extension),
                    content_type=_ATTACHMENT_TYPES.get(extension, "application/octet-stream"), size=len(data),
                    sha256=hashlib.sha256(data).hexdigest())
    return store_files(upload, {main_key(upload): (data, "application/octet-stream")})


def _refuse_as_image(data: bytes) -> None:
    """A file named like an image that is no image we take: say which (HEIC, BMP, TIFF: the
    format; anything else: not the image its name says)."""
    try:
        images.process_image(data, max_pixels=MAX_PIXELS)  # refused from the header: nothing is decoded
    except images.ImageRejected as exc:
        if exc.code in ("unsupported_format", "svg", "too_many_pixels"):
            raise ValidationFailed({FIELD: image_rejection_message(exc)}) from exc
    raise ValidationFailed({FIELD: _("This file is named like an image but is not one we can read "
                                     "(or it is damaged).")})


def _content_matches(extension: str, data: bytes) -> bool:
    if extension in _MAGIC:
        return data.startswith(_MAGIC[extension])
    if extension in _TEXT_EXTENSIONS:
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return True  # an admin-added extension: served as a download, never inline


def store_files(upload: Upload, files: dict[str, tuple[bytes, str]]) -> Upload:
    """Bytes first, then the row; on failure nothing half-written stays behind."""
    storage = file_storage()
    written: list[str] = []
    try:
        for key, (data, content_type) in files.items():
            storage.put(key, data, content_type=content_type)
            written.append(key)
        db.session.add(upload)
        db.session.commit()
    except Exception:
        db.session.rollback()
        for key in written:
            try:
                storage.delete(key)
            except Exception:  # noqa: S112 (unreachable bytes at worst; the row is what matters)
                continue
        raise
    return upload
