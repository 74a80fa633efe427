"""Reading a file: may this reader have it, and may caches keep it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.discussions.models import Post, Topic
from forum.errors import NotFound
from forum.extensions import db
from forum.uploads.models import ReferenceKind, Upload, UploadReference
from forum.uploads.permissions import can_read_upload, is_public, readable_private_targets

# A public file: browsers and shared caches keep it ten minutes, then ask again (an ETag makes
# that a 304). A post hidden or moved to a staff category stops being served from the site at
# once, and from caches within these minutes.
PUBLIC_MAX_AGE = 600
PRIVATE_MAX_AGE = 600        # a member's own view of a restricted file, in their browser only


@dataclass(frozen=True)
class Readable:
    upload: Upload
    public: bool

    @property
    def cache_control(self) -> str:
        if self.public:
            return f"public, max-age={PUBLIC_MAX_AGE}"
        return f"private, max-age={PRIVATE_MAX_AGE}"


def readable_upload(reader: Any, token: str) -> Readable:
    """The upload ``reader`` may read, or NotFound (whether it exists or not). Three queries: the
    file, its references, the posts (with topic and category) they name (and, for a file in a
    private conversation, the owner's answer on who reads it)."""
    upload = db.session.scalar(select(Upload).where(Upload.token == token))
    if upload is None:
        raise NotFound()
    refs = list(db.session.scalars(select(UploadReference).where(UploadReference.upload_id == upload.id)))
    post_ids = [r.target_id for r in refs if r.target_kind in (ReferenceKind.POST, ReferenceKind.REVISION)]
    posts: dict[int, Post] = {}
    if post_ids:
        posts = {p.id: p for p in db.session.scalars(
            select(Post).where(Post.id.in_(post_ids)).options(selectinload(Post.topic).selectinload(Topic.category)))}
    if not can_read_upload(reader, upload, refs, posts, readable_private_targets(reader, refs)):
        raise NotFound()
    return Readable(upload, is_public(upload, refs, posts))
