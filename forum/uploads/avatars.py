"""Avatars: a member's own picture, square, in the sizes lists and profiles show.

Policy
------
* **Who sets one.** A member sets their own picture, never anyone else's
  (:func:`~forum.uploads.permissions.can_change_avatar`). They must be able to take part: the
  same gate as posting (not unverified, waiting for approval, rejected, silenced or suspended),
  except that a code of conduct not yet accepted does not stop it (that is asked when they
  post). New members may set one: it is a single small picture that carries no link, the upload
  size limit applies, the route is rate-limited, and moderators remove an offensive one. When an
  admin switches uploads off (``uploads_enabled``), nobody sets a new picture; the ones already
  set stay until their owner or a moderator removes them.
* **Who removes one.** The member themself at any time (removing adds nothing, so a silenced
  member may), and moderators on anyone they outrank (admins on anyone; the rank rule of
  :func:`forum.discussions.permissions.outranks`). A moderator's removal is audited
  (``user.avatar_remove``, the token of the picture and an optional reason).
* **What is stored.** The file is checked against the member's per-file limit
  (:func:`~forum.uploads.limits.limits_for`), then decoded and written again by
  :func:`~forum.uploads.images.square_image` (EXIF orientation applied, metadata dropped, first
  frame of an animation) as one WebP per :data:`~forum.uploads.services.AVATAR_SIZES`. The crop
  is (left, top, side) in the upright picture's pixels, what the browser showed; None takes the
  centred square. SVG and anything that is not an image we read is refused with the upload
  messages (:func:`~forum.uploads.services.image_rejection_message`). No content filter runs:
  there is no text to judge.
* **Changing it.** The files and their :class:`~forum.uploads.models.Upload` row are stored
  first (:func:`~forum.uploads.services.store_files`); then the member's ``avatar_token`` and the
  single ``avatar`` reference change in one transaction. The previous picture loses its
  reference: from then on only its owner and staff read it (an offensive picture a moderator
  removed is gone for everyone else at once), and the collector removes its files after the
  grace period. Every picture has a new random token, hence a new URL: browsers and shared
  caches may keep the files of the one in use (public).
* **Showing it.** :func:`avatar_picture` answers what the ``avatar`` macro shows, from columns
  already loaded and the request's cached settings (no query per member): the uploaded picture;
  else, only when the admin turned ``uploads_gravatar`` on, a Gravatar identicon addressed by
  the SHA-256 of the trimmed, lower-cased email (the address itself never reaches a page; the
  hash can still be matched against known addresses, hence off by default); else None and the
  letter avatar.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from forum.accounts.permissions import posting_block_message, posting_block_reason
from forum.audit import record_action
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting

from . import images
from .limits import MAX_PIXELS, human_size, limits_for
from .models import ReferenceKind, Upload, UploadKind
from .permissions import can_change_avatar, can_remove_avatar, uploads_enabled
from .services import (
    AVATAR_SIZES,
    avatar_key,
    avatar_path,
    display_name,
    image_rejection_message,
    new_token,
    set_single_reference,
    store_files,
    url_name,
)

FIELD = "avatar"
REMOVE_ACTION = "user.avatar_remove"
GRAVATAR_BASE = "https://www.gravatar.com/avatar/"
_WEBP = "image/webp"


def avatar_block_message(user: Any) -> str | None:
    """Why ``user`` cannot set a picture now, in their language, or None if they can."""
    if not uploads_enabled():
        return _("Uploading pictures is switched off on this forum.")
    if can_change_avatar(user, user):
        return None
    reason = posting_block_reason(user)
    return posting_block_message(reason) if reason else _("You cannot change your picture right now.")


def set_avatar(user: Any, actor: Any, filename: str, data: bytes, crop: tuple[int, int, int] | None) -> Upload:
    """Make ``data`` the member's picture (``actor`` is the member themself). Raises
    PermissionDenied, or ValidationFailed on ``avatar`` with a message in their language."""
    if not can_change_avatar(actor, user):
        raise PermissionDenied()
    blocked = avatar_block_message(user)
    if blocked:
        raise ValidationFailed({FIELD: blocked})
    _check_size(user, len(data))
    try:
        squares = images.square_image(data, sizes=AVATAR_SIZES, crop=crop, max_pixels=MAX_PIXELS)
    except images.ImageRejected as exc:
        raise ValidationFailed({FIELD: image_rejection_message(exc)}) from exc
    largest = squares[max(AVATAR_SIZES)]
    name = display_name(filename, "avatar")
    upload = Upload(token=new_token(), user_id=user.id, kind=UploadKind.AVATAR, original_name=name,
                    url_name=url_name(name, "webp"), content_type=_WEBP,
                    size=sum(len(square.data) for square in squares.values()),
                    width=largest.width, height=largest.height, sha256=hashlib.sha256(largest.data).hexdigest())
    store_files(upload, {avatar_key(upload.token, size): (square.data, _WEBP) for size, square in squares.items()})
    try:
        user.avatar_token = upload.token
        set_single_reference(ReferenceKind.AVATAR, user.id, upload.id)
        db.session.commit()
    except Exception:
        db.session.rollback()  # the stored upload has no reference: the collector removes it
        raise
    return upload


def remove_avatar(user: Any, actor: Any, *, reason: str | None = None) -> bool:
    """Back to the letter avatar. False when there was no picture. A moderator's removal is
    audited with ``reason``. Raises PermissionDenied."""
    if not can_remove_avatar(actor, user):
        raise PermissionDenied()
    token = user.avatar_token
    if not token:
        return False
    try:
        user.avatar_token = None
        set_single_reference(ReferenceKind.AVATAR, user.id, None)
        if actor.id != user.id:
            record_action(actor, REMOVE_ACTION, "user", user.id, before={FIELD: token}, after={FIELD: None},
                          reason=(reason or "").strip()[:500] or None)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return True


def _check_size(user: Any, size: int) -> None:
    limit = limits_for(user).max_file_bytes
    if size > limit:
        raise ValidationFailed({FIELD: _("This image is %(size)s; the limit is %(limit)s.", size=human_size(size),
                                         limit=human_size(limit))})
    if size == 0:
        raise ValidationFailed({FIELD: _("This file is empty.")})


# --- showing: the avatar macro's one question ------------------------------------------------------

@dataclass(frozen=True)
class AvatarPicture:
    src: str
    srcset: str      # "" when the 1x file is sharp enough on 2x screens too
    external: bool   # another site's image (Gravatar): sent without a referrer


def _file_size_for(pixels: int) -> int:
    return next((size for size in AVATAR_SIZES if size >= pixels), max(AVATAR_SIZES))


def avatar_picture(user: Any, size: int) -> AvatarPicture | None:
    """What the ``avatar(user, size)`` macro shows for ``user`` at ``size`` CSS pixels; None:
    the letter avatar. Reads loaded columns and the cached settings only."""
    if user is None:
        return None
    token = getattr(user, "avatar_token", None)
    if token:
        one, two = _file_size_for(size), _file_size_for(2 * size)
        return AvatarPicture(avatar_path(token, one), f"{avatar_path(token, two)} 2x" if two != one else "", False)
    email = getattr(user, "email", None)
    if email and get_setting("uploads_gravatar"):
        return AvatarPicture(gravatar_url(email, 2 * size), "", True)
    return None


def gravatar_url(email: str, pixels: int) -> str:
    """Gravatar's address for ``email`` (SHA-256 of the trimmed, lower-cased address: the
    address itself never leaves the server); an identicon when they have no Gravatar."""
    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()
    return f"{GRAVATAR_BASE}{digest}?s={max(1, min(int(pixels), 2048))}&d=identicon"
