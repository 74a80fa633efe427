"""What uses a file, and which files a text may use.

The cooking resolver answers, in one query for a post's tokens (and one for its remote images
when the forum hosts them), with the site paths of the files its writer may put there: their
own, or files they can read through a post (quoting copies a post's images; a file read in a
private conversation is not theirs to reuse, in a post or another conversation). Recording a post's references runs
inside the post's own transaction (a direct call from discussions through
:class:`forum.discussions.interfaces.PostFiles`): a file the text no longer shows becomes a
``revision`` reference (staff read the history; visitors no longer read the file).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, select, update

from forum.db_types import utcnow
from forum.discussions.models import Post, PostState
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.markup import UploadLink, UploadResolver
from forum.settings import get_setting
from forum.uploads.limits import limits_for
from forum.uploads.models import ReferenceKind, Upload, UploadKind, UploadReference
from forum.uploads.permissions import can_read_upload, can_use_in_post, readable_private_targets

from .store import file_path


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def link_for(upload: Upload) -> UploadLink:
    return UploadLink(token=upload.token, url=file_path(upload), is_image=upload.kind == UploadKind.IMAGE,
                      width=upload.width, height=upload.height)


def readable_uploads(user: Any, uploads: Sequence[Upload], *, through_private: bool = True) -> set[int]:
    """The ids of ``uploads`` that ``user`` may read, in two queries whatever their number.
    ``through_private=False``: leave out what only a private target (a conversation) lets them read."""
    if not uploads:
        return set()
    ids = [u.id for u in uploads]
    refs = list(db.session.scalars(select(UploadReference).where(UploadReference.upload_id.in_(ids))))
    post_ids = {r.target_id for r in refs if r.target_kind in (ReferenceKind.POST, ReferenceKind.REVISION)}
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids)))} if post_ids else {}
    by_upload: dict[int, list[UploadReference]] = {}
    for ref in refs:
        by_upload.setdefault(ref.upload_id, []).append(ref)
    private = readable_private_targets(user, refs) if through_private else set()
    return {u.id for u in uploads if can_read_upload(user, u, by_upload.get(u.id, []), posts, private)}


def resolver_for(writer: Any) -> UploadResolver:
    """The cooking resolver for text ``writer`` writes (or previews)."""
    from_remote = _remote_hosting_on()

    def resolve(tokens: Sequence[str], remote: Sequence[str]) -> Mapping[str, UploadLink]:
        links: dict[str, UploadLink] = {}
        if tokens:
            rows = list(db.session.scalars(select(Upload).where(Upload.token.in_(tokens),
                                                                Upload.collected_at.is_(None))))
            foreign = [u for u in rows if not (writer.is_authenticated and u.user_id == writer.id)]
            # Only what they read through a post: a private conversation's file stays its readers'.
            readable = readable_uploads(writer, foreign, through_private=False) if foreign else set()
            for upload in rows:
                if can_use_in_post(writer, upload, upload.id in readable):
                    links[upload.token] = link_for(upload)
        if remote and from_remote:
            hashes = {url_hash(url): url for url in remote}
            for upload in db.session.scalars(select(Upload).where(Upload.source_url_hash.in_(hashes),
                                                                  Upload.collected_at.is_(None))):
                if upload.source_url_hash in hashes:
                    links[hashes[upload.source_url_hash]] = link_for(upload)
        return links

    return resolve


def _remote_hosting_on() -> bool:
    return bool(get_setting("uploads_download_remote_images"))


def record_post_files(post: Post, tokens: Sequence[str], writer: Any) -> None:
    """Make the post's references match the files its current text uses (inside the caller's
    transaction; the caller flushed the post). Files it used before become revision references.
    Raises ValidationFailed when the writer puts more files in one post than they may (hosted
    copies of remote images are not theirs and do not count), or when a file was collected
    meanwhile."""
    record_target_files(ReferenceKind.POST, post.id, tokens, writer, demote_to=ReferenceKind.REVISION)


def record_target_files(kind: str, target_id: int, tokens: Sequence[str], writer: Any, *,
                        demote_to: str | None = None) -> None:
    """:func:`record_post_files` for any target (a conversation's message: ``kind="message"``)."""
    rows = db.session.execute(select(Upload.id, Upload.token, Upload.source_url_hash)
                              .where(Upload.token.in_(tokens))).all() if tokens else []
    own = sum(1 for row in rows if row.source_url_hash is None)
    limits = limits_for(writer)
    if limits.files_per_post and own > limits.files_per_post:
        raise ValidationFailed({"body": ngettext("A post may hold %(num)d file; this one has %(count)d.",
                                                 "A post may hold %(num)d files; this one has %(count)d.",
                                                 limits.files_per_post, count=own)})
    order = {token: n for n, token in enumerate(tokens)}
    ids = [row.id for row in sorted(rows, key=lambda row: order.get(row.token, 0))]  # the text's order
    _set_references(kind, target_id, ids, demote_to=demote_to)
    claim_in_use(set(ids))


def claim_in_use(ids: set[int]) -> None:
    """Stamp the files a write starts using, in its transaction. The collector's conditional
    UPDATE skips a file stamped after its cut-off (on PostgreSQL it waits for this row lock and
    re-reads the row), and a file it took first refuses the write instead of leaving a post that
    shows nothing."""
    if not ids:
        return
    stamped = db.session.execute(update(Upload).where(Upload.id.in_(ids), Upload.collected_at.is_(None))
                                 .values(last_used_at=utcnow()).execution_options(synchronize_session=False))
    if stamped.rowcount != len(ids):  # type: ignore[attr-defined]
        raise ValidationFailed({"body": _("A file in this post was removed as unused. Please upload it again.")})


def _set_references(kind: str, target_id: int, ordered: Sequence[int], *, demote_to: str | None = None) -> None:
    """The target's references become ``ordered`` (new ones are added in that order: a post's
    first image is its first reference)."""
    ids = set(ordered)
    current = set(db.session.scalars(select(UploadReference.upload_id).where(
        UploadReference.target_kind == kind, UploadReference.target_id == target_id)))
    gone, new = current - ids, ids - current
    if gone:
        if demote_to is not None:
            kept = set(db.session.scalars(select(UploadReference.upload_id).where(
                UploadReference.target_kind == demote_to, UploadReference.target_id == target_id,
                UploadReference.upload_id.in_(gone))))
            if gone - kept:
                db.session.execute(update(UploadReference).where(
                    UploadReference.target_kind == kind, UploadReference.target_id == target_id,
                    UploadReference.upload_id.in_(gone - kept)).values(target_kind=demote_to))
            gone = gone & kept
        if gone:
            db.session.execute(delete(UploadReference).where(
                UploadReference.target_kind == kind, UploadReference.target_id == target_id,
                UploadReference.upload_id.in_(gone)))
    for upload_id in (i for i in ordered if i in new):
        db.session.add(UploadReference(upload_id=upload_id, target_kind=kind, target_id=target_id))
    # A file back in the text after an edit removed it: its revision reference is no longer needed.
    if new and demote_to is not None:
        db.session.execute(delete(UploadReference).where(
            UploadReference.target_kind == demote_to, UploadReference.target_id == target_id,
            UploadReference.upload_id.in_(new)))


def set_single_reference(kind: str, target_id: int, upload_id: int | None) -> None:
    """An avatar or a brand asset: the target uses one file (None: none); the previous one loses
    its reference and is collected after the grace period."""
    ids = [upload_id] if upload_id is not None else []
    _set_references(kind, target_id, ids)
    claim_in_use(set(ids))


def referenced_posts(upload_ids: Iterable[int]) -> dict[int, list[int]]:
    result: dict[int, list[int]] = {}
    for upload_id, post_id in db.session.execute(select(UploadReference.upload_id, UploadReference.target_id).where(
            UploadReference.upload_id.in_(list(upload_ids)), UploadReference.target_kind == ReferenceKind.POST)):
        result.setdefault(upload_id, []).append(post_id)
    return result


def topic_image(topic_id: int) -> str | None:
    """The first image (in its text's order) of the topic's first published post that shows one."""
    return db.session.scalar(
        select(Upload.token).join(UploadReference, UploadReference.upload_id == Upload.id)
        .join(Post, Post.id == UploadReference.target_id)
        .where(UploadReference.target_kind == ReferenceKind.POST, Post.topic_id == topic_id,
               Post.state == PostState.PUBLISHED, Upload.kind == UploadKind.IMAGE, Upload.collected_at.is_(None))
        .order_by(Post.post_number, UploadReference.id).limit(1))
