"""The collector: files nothing uses are removed after a grace period.

A file is collected when it is older than the grace period (``uploads_orphan_grace_hours``), no
write started using it within that period (``last_used_at``), no reference names it (no post's
text, no revision, no avatar, no brand asset) and no draft of its uploader still names it (a
reply being written keeps its pictures). Only the bytes go: the row stays with ``collected_at``
set, so what was on the site can still be accounted for. Hiding or deleting a post never
collects its files: its references stay (moderation never hard-deletes).

Race with a write: the collector first marks its candidates with ONE conditional UPDATE
(still unreferenced, not stamped since the cut-off) and commits, and only then deletes the bytes
of the rows that UPDATE returned. A write that starts using a file stamps it in its own
transaction (:func:`~.references.claim_in_use`): whichever commits first wins, and a write that
loses is refused with a message (the member uploads the file again) instead of showing nothing.
Runs hourly from the job queue, in batches walked by id (files kept by drafts never stall it).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, or_, select, update

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
    """Collect every unused file (in batches); how many were collected."""
    cutoff = utcnow() - timedelta(hours=float(get_setting("uploads_orphan_grace_hours") or 0))
    collected, after = 0, 0
    while True:
        candidates = list(db.session.execute(
            select(Upload.id, Upload.token, Upload.user_id).where(Upload.id > after, *_collectable(cutoff))
            .order_by(Upload.id).limit(batch)))
        if not candidates:
            break
        after = candidates[-1].id
        in_drafts = _tokens_in_drafts({c.user_id for c in candidates if c.user_id is not None})
        ids = [c.id for c in candidates if c.token not in in_drafts]
        collected += _collect(ids, cutoff)
    if collected:
        log.info("collected %d unused uploads", collected)
    return collected


def _collectable(cutoff: datetime) -> tuple[ColumnElement[bool], ...]:
    return (Upload.collected_at.is_(None), Upload.created_at < cutoff,
            or_(Upload.last_used_at.is_(None), Upload.last_used_at < cutoff),
            ~exists().where(UploadReference.upload_id == Upload.id))


def _collect(ids: list[int], cutoff: datetime) -> int:
    if not ids:
        return 0
    marked = list(db.session.scalars(
        update(Upload).where(Upload.id.in_(ids), *_collectable(cutoff)).values(collected_at=utcnow())
        .returning(Upload.id).execution_options(synchronize_session=False)))
    db.session.commit()  # from here on no write can start using them: now the bytes may go
    if not marked:
        return 0
    storage = file_storage()
    for upload in db.session.scalars(select(Upload).where(Upload.id.in_(marked))):
        for key in keys_of(upload):
            storage.delete(key)  # idempotent: a retried job deletes nothing twice
    return len(marked)


def _tokens_in_drafts(user_ids: set[int]) -> set[str]:
    tokens: set[str] = set()
    if not user_ids:
        return tokens
    for data in db.session.scalars(select(Draft.data).where(Draft.user_id.in_(user_ids))):
        tokens.update(upload_tokens_in(str(data)))
    return tokens
