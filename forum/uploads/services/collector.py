"""The collector: files nothing uses are removed after a grace period.

A file is collected when it is older than the grace period (``uploads_orphan_grace_hours``), no
reference names it (no post's text, no revision, no avatar, no brand asset) and no draft of its
uploader still names it (a reply being written keeps its pictures). Only the bytes go: the row
stays with ``collected_at`` set, so what was on the site can still be accounted for. Hiding or
deleting a post never collects its files: its references stay (moderation never hard-deletes).
Runs hourly from the job queue, in batches.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import exists, select

from forum.db_types import utcnow
from forum.discussions.models import Draft
from forum.extensions import db
from forum.markup import upload_tokens_in
from forum.settings import get_setting
from forum.uploads.models import Upload, UploadReference

from .store import file_storage, keys_of

log = logging.getLogger(__name__)
BATCH = 500


def collect_orphans(*, batch: int = BATCH) -> int:
    """Collect one batch of unused files; how many were collected."""
    grace = timedelta(hours=float(get_setting("uploads_orphan_grace_hours") or 0))
    unreferenced = ~exists().where(UploadReference.upload_id == Upload.id)
    candidates = list(db.session.scalars(
        select(Upload).where(Upload.collected_at.is_(None), Upload.created_at < utcnow() - grace, unreferenced)
        .order_by(Upload.id).limit(batch)))
    if not candidates:
        return 0
    in_drafts = _tokens_in_drafts({u.user_id for u in candidates if u.user_id is not None})
    storage = file_storage()
    collected = 0
    for upload in candidates:
        if upload.token in in_drafts:
            continue
        for key in keys_of(upload):
            storage.delete(key)  # idempotent: a retried run deletes nothing twice
        upload.collected_at = utcnow()
        collected += 1
    db.session.commit()
    if collected:
        log.info("collected %d unused uploads", collected)
    return collected


def _tokens_in_drafts(user_ids: set[int]) -> set[str]:
    tokens: set[str] = set()
    if not user_ids:
        return tokens
    for data in db.session.scalars(select(Draft.data).where(Draft.user_id.in_(user_ids))):
        tokens.update(upload_tokens_in(str(data)))
    return tokens
