"""What uploads keeps about a member, for their data export and erasure (forum.privacy).

Erasure drops the avatar (its reference goes; the collector removes the bytes on its next
round, as for any picture nobody uses). Pictures and files in posts stay with the posts, but
their names go: ``original_name`` (shown, and the download's name) becomes ``image.<ext>`` or
``file.<ext>``, and ``url_name`` the same. Renaming ``url_name`` breaks no link: a file is served
by its token alone (the name part of ``/uploads/<token>/<name>`` is not checked) and stored under
its token and extension, which stay; so the URLs already in cooked posts keep working (they keep
the old name in their text, as the post's own words may: the post is kept content).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.extensions import db
from forum.urls import public_url

from .models import ReferenceKind, Upload, UploadKind
from .services import file_path, set_single_reference


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class Files:
    name = "uploads"
    description = _l("Pictures and files you uploaded: names, sizes and addresses.")

    def export(self, user: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(Upload).where(Upload.user_id == user.id).order_by(Upload.created_at))
        return [{"name": u.original_name, "kind": u.kind, "content_type": u.content_type, "size": u.size,
                 "uploaded_at": iso(u.created_at), "url": None if u.collected_at else public_url(file_path(u)),
                 "removed_at": iso(u.collected_at)} for u in rows]

    def erase(self, user: Any, *, remove_content: bool) -> None:
        if user.avatar_token:
            user.avatar_token = None
            set_single_reference(ReferenceKind.AVATAR, user.id, None)
        for upload in db.session.scalars(select(Upload).where(Upload.user_id == user.id,
                                                              Upload.kind != UploadKind.BRAND)):
            stem = "image" if upload.is_image else "file"
            if "." in upload.url_name:  # what follows the last dot names the stored file (store.main_key)
                upload.url_name = f"{stem}.{upload.url_name.rsplit('.', 1)[-1]}"
                upload.original_name = upload.url_name.rstrip(".")
            else:
                upload.original_name = stem


SECTIONS = (Files(),)
