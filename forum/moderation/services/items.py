"""Review items of posts: the primitives every queue action and post action shares."""

from __future__ import annotations

from sqlalchemy import select

from forum.accounts.models import User
from forum.db_types import utcnow
from forum.discussions.models import Post
from forum.extensions import db
from forum.notifications import notify

from ..models import FlagStatus, Resolution, ReviewItem, ReviewKind, ReviewStatus
from . import notices
from .common import MAX_REASON, post_url


def open_item_for_post(post_id: int) -> ReviewItem | None:
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post_id,
                                                      ReviewItem.status == ReviewStatus.OPEN))


def new_post_item(post: Post, kind: str, reason_code: str, reason: str | None) -> ReviewItem:
    item = ReviewItem(kind=kind, status=ReviewStatus.OPEN, reason_code=reason_code, reason=reason or None, post=post,
                      topic_id=post.topic_id, category_id=post.topic.category_id, user_id=post.user_id,
                      created_at=utcnow(), updated_at=utcnow())
    db.session.add(item)
    return item


def open_subject_item(kind: str, subject_id: int, reason_code: str, reason: str | None,
                      user_id: int | None) -> ReviewItem:
    """The open queue item of a domain's held or flagged thing (a ReviewSubject kind), opened
    when there is none, in the caller's transaction. Two writers opening the same one at once
    meet the unique index on open (kind, subject_id): the second one's commit fails."""
    item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.subject_id == subject_id,
                                                      ReviewItem.status == ReviewStatus.OPEN))
    if item is not None:
        append_reason(item, reason or "")
        return item
    item = ReviewItem(kind=kind, status=ReviewStatus.OPEN, reason_code=reason_code, reason=reason or None,
                      subject_id=subject_id, user_id=user_id, created_at=utcnow(), updated_at=utcnow())
    db.session.add(item)
    return item


def append_reason(item: ReviewItem, text: str) -> None:
    if text and text not in (item.reason or ""):
        item.reason = (f"{item.reason}; {text}" if item.reason else text)[:MAX_REASON]
    item.updated_at = utcnow()


def resolve(item: ReviewItem, actor: User | None, resolution: Resolution) -> None:
    now = utcnow()
    item.status = ReviewStatus.RESOLVED
    item.resolution = resolution
    item.resolved_by_id = actor.id if actor else None
    item.resolved_at = now
    item.updated_at = now
    item.claimed_by_id, item.claimed_at = None, None


def topic_title(post: Post) -> str:
    return post.topic.title if post.topic else ""


def flaggers_outcome(item: ReviewItem, actor: User | None, status: FlagStatus) -> None:
    now = utcnow()
    post = item.post
    title = topic_title(post) if post else ""
    for flag in item.flags:
        if flag.status != FlagStatus.OPEN:
            continue
        flag.status, flag.resolved_at = status, now
        flag.resolved_by_id = actor.id if actor else None
        if flag.user is not None:
            notify(flag.user, notices.FLAG_OUTCOME, {"title": title, "outcome": str(status.value)},
                   url=post_url(post) if post else None, dedupe_key=f"flag:{flag.id}")


def close_items_for_post(actor: User, post: Post, resolution: Resolution) -> None:
    """A post acted on from the topic page: its open queue item is resolved with it."""
    item = open_item_for_post(post.id)
    if item is None:
        return
    if item.kind == ReviewKind.FLAG:
        status = {Resolution.DISAGREED: FlagStatus.DISAGREED}.get(resolution, FlagStatus.AGREED)
        flaggers_outcome(item, actor, status)
    resolve(item, actor, resolution)
