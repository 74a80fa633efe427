"""The review queue: listing, claims, and every reviewer decision (approve, edit-then-approve,
reject, delete, flag outcomes, bulk), whatever the item holds: a post, a member application,
profile text, or a domain's own content through its registered
:class:`~forum.moderation.interfaces.ReviewSubject` (meetups).

Claims: a moderator may claim an item for ``claim_minutes`` (setting, default 30); while the
claim is fresh, other moderators see who holds it and cannot act on it. Claims expire by
timestamp comparison: no cron.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from forum import pagination
from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions import counters
from forum.discussions import notices as discussion_notices
from forum.discussions import services as discussions
from forum.discussions.models import Post, PostState
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.notifications import notify
from forum.registry import contributions
from forum.settings import get_setting

from .. import permissions
from ..interfaces import ReviewSubject
from ..models import Flag, FlagStatus, Resolution, ReviewItem, ReviewKind, ReviewReason, ReviewStatus
from . import notices
from .applications import approve_member, reject_member
from .common import Events, clean, commit_and_fire, iso, post_url, stored
from .flags import resolve_flags
from .items import flaggers_outcome, new_post_item, resolve, topic_title
from .labels import AGES, rejection_text
from .post_actions import stage_delete
from .profiles import approve_profile, reject_profile

QUEUE_PAGE_SIZE = 50


def review_subject(kind: str) -> ReviewSubject | None:
    return next((s for s in contributions(ReviewSubject) if s.kind == kind), None)


def subjects_for(items: list[ReviewItem]) -> dict[int, Any]:
    """The held things behind a page's subject items: one query per kind."""
    found: dict[int, Any] = {}
    by_kind: dict[str, list[ReviewItem]] = {}
    for item in items:
        if item.subject_id is not None:
            by_kind.setdefault(item.kind, []).append(item)
    for kind, kind_items in by_kind.items():
        subject = review_subject(kind)
        if subject is None:
            continue
        loaded = subject.load([i.subject_id for i in kind_items if i.subject_id is not None])
        found.update({i.id: loaded.get(i.subject_id) for i in kind_items if i.subject_id is not None})
    return found


def _subject_decision(actor: User, item: ReviewItem, approve: bool, reason: str) -> Events:
    subject = review_subject(item.kind)
    if subject is None or item.subject_id is None:
        raise NotFound()
    events = subject.approve(actor, item.subject_id) if approve else subject.reject(actor, item.subject_id, reason)
    resolve(item, actor, Resolution.APPROVED if approve else Resolution.REJECTED)
    record_action(actor, f"{item.kind}.{'approve' if approve else 'reject'}", item.kind, item.subject_id,
                  reason=reason or None)
    return events


def _approve(actor: User, item: ReviewItem) -> Events:
    """Publish a held post, profile text or meetup, admit an applicant; on a flag item, keep
    the post (the flags are turned down)."""
    if item.kind == ReviewKind.MEMBER:
        return approve_member(actor, item)
    if item.kind == ReviewKind.FLAG:
        return resolve_flags(actor, item, FlagStatus.DISAGREED, None)
    if item.kind == ReviewKind.PROFILE:
        return approve_profile(actor, item)
    if item.subject_id is not None:
        return _subject_decision(actor, item, True, "")
    return approve_post(actor, item)


def _reject(actor: User, item: ReviewItem, reason_key: str, text: str) -> Events:
    if item.kind == ReviewKind.MEMBER:
        return reject_member(actor, item, reason_key, text)
    if item.kind == ReviewKind.FLAG:
        return resolve_flags(actor, item, FlagStatus.AGREED, clean(text) or None)
    if item.kind == ReviewKind.PROFILE:
        return reject_profile(actor, item, reason_key, text)
    if item.subject_id is not None:
        subject = review_subject(item.kind)
        author = subject.author_of(subject.load([item.subject_id]).get(item.subject_id)) if subject else None
        return _subject_decision(actor, item, False, rejection_text(reason_key, text, author))
    return reject_post(actor, item, reason_key, text)


@dataclass
class QueueFilters:
    kind: str | None = None
    category_id: int | None = None
    reason: str | None = None
    age: str | None = None  # waiting longer than: "1h" | "1d" | "7d"
    after: str | None = None  # keyset cursor

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in (("kind", self.kind), ("category", self.category_id),
                                  ("reason", self.reason), ("age", self.age)) if v}


@dataclass
class QueuePage:
    items: list[ReviewItem]
    next_cursor: str | None
    counts: dict[str, int]
    filters: QueueFilters
    now: datetime = field(default_factory=utcnow)
    subjects: dict[int, Any] = field(default_factory=dict)  # item id -> held event (ReviewSubject kinds)


def require_moderator(user: Any) -> None:
    if not permissions.can_moderate(user):
        raise PermissionDenied()


def queue_counts(user: Any) -> dict[str, int]:
    """Open items per kind (one grouped query, cached for the request); {} for non-moderators."""
    if not permissions.can_moderate(user):
        return {}
    if has_request_context() and "moderation_counts" in g:
        return dict(g.moderation_counts)
    rows = db.session.execute(select(ReviewItem.kind, func.count()).where(
        ReviewItem.status == ReviewStatus.OPEN).group_by(ReviewItem.kind)).all()
    counts: dict[str, int] = {str(kind): 0 for kind in ReviewKind}
    counts.update({str(kind): int(n) for kind, n in rows})
    if has_request_context():
        g.moderation_counts = counts
    return dict(counts)


def item_options() -> list[Any]:
    return [joinedload(ReviewItem.post).joinedload(Post.topic),
            joinedload(ReviewItem.post).joinedload(Post.author),
            joinedload(ReviewItem.user), joinedload(ReviewItem.category), joinedload(ReviewItem.claimed_by),
            selectinload(ReviewItem.flags).joinedload(Flag.user), selectinload(ReviewItem.verdicts)]


def review_queue(user: Any, filters: QueueFilters, per_page: int = QUEUE_PAGE_SIZE) -> QueuePage:
    """Oldest first, keyset-paginated; a fixed number of queries whatever the page holds."""
    require_moderator(user)
    query = select(ReviewItem).options(*item_options()).where(ReviewItem.status == ReviewStatus.OPEN)
    if filters.kind in set(ReviewKind):
        query = query.where(ReviewItem.kind == filters.kind)
    if filters.category_id:
        query = query.where(ReviewItem.category_id == filters.category_id)
    if filters.reason in set(ReviewReason):
        query = query.where(ReviewItem.reason_code == filters.reason)
    if filters.age in AGES:
        query = query.where(ReviewItem.created_at <= utcnow() - AGES[filters.age])
    position = pagination.decode_cursor(filters.after)
    if position is not None:
        query = query.where(pagination.after(ReviewItem.created_at, ReviewItem.id, position, descending=False))
    rows = list(db.session.scalars(query.order_by(ReviewItem.created_at, ReviewItem.id)
                                   .limit(per_page + 1)).unique())
    page = pagination.page_of(rows, per_page, lambda item: pagination.encode_cursor(item.created_at, item.id))
    return QueuePage(items=page.items, next_cursor=page.next_cursor, counts=queue_counts(user), filters=filters,
                     subjects=subjects_for(page.items))


def get_item(user: Any, item_id: int) -> ReviewItem:
    require_moderator(user)
    item = db.session.scalar(select(ReviewItem).options(*item_options()).where(ReviewItem.id == item_id))
    if item is None:
        raise NotFound()
    return item


def claim_minutes() -> int:
    return max(1, int(get_setting("claim_minutes") or 30))


def claim_expires_at(item: ReviewItem) -> datetime | None:
    if item.claimed_by_id is None or item.claimed_at is None:
        return None
    return item.claimed_at + timedelta(minutes=claim_minutes())


def active_claimer_id(item: ReviewItem, now: datetime | None = None) -> int | None:
    expires = claim_expires_at(item)
    return item.claimed_by_id if expires is not None and expires > (now or utcnow()) else None


class ItemClaimed(ValidationFailed):
    """Another moderator holds a fresh claim on the item."""


def check_actionable(actor: User, item: ReviewItem) -> None:
    if not item.is_open:
        raise ValidationFailed(_("This item was already reviewed."))
    claimer = active_claimer_id(item)
    if claimer is not None and claimer != actor.id:
        name = item.claimed_by.display_name if item.claimed_by else "?"
        raise ItemClaimed(_("%(name)s is reviewing this item.", name=name))
    if item.post is not None and not permissions.can_act_on_post(actor, item.post):
        raise PermissionDenied()
    if item.kind in (ReviewKind.MEMBER, ReviewKind.PROFILE) and not permissions.can_act_on_user(actor, item.user):
        raise PermissionDenied()


def claim_item(actor: User, item: ReviewItem) -> None:
    require_moderator(actor)
    check_actionable(actor, item)
    item.claimed_by_id, item.claimed_at = actor.id, utcnow()
    record_action(actor, "review.claim", "review_item", item.id,
                  after={"claimed_until": iso(claim_expires_at(item))})
    db.session.commit()


def release_item(actor: User, item: ReviewItem) -> None:
    require_moderator(actor)
    if item.claimed_by_id != actor.id and not actor.is_admin:
        raise PermissionDenied()
    before = {"claimed_by": item.claimed_by_id}
    item.claimed_by_id, item.claimed_at = None, None
    record_action(actor, "review.release", "review_item", item.id, before=before)
    db.session.commit()


def approve_post(actor: User, item: ReviewItem, *, edited: bool = False) -> Events:
    post = item.post
    if post is None:
        raise NotFound()
    if post.state not in (PostState.PENDING, PostState.REJECTED):
        raise ValidationFailed(_("This post is not waiting for approval."))
    before = {"state": post.state}
    counters.set_state(post, PostState.PUBLISHED, actor, None)
    discussion_notices.queue_post_notices(post, approved=True)  # who it mentions, answers, watchers
    resolve(item, actor, Resolution.APPROVED)
    record_action(actor, "post.approve", "post", post.id, before=before,
                  after={"state": post.state, "edited": edited})
    if post.author is not None and post.user_id != actor.id:
        notify(post.author, notices.POST_APPROVED,
               {"title": topic_title(post), "edited": edited, "topic": post.post_number == 1},
               url=post_url(post))
    return [("forum_post_approved", {"post": post, "actor": actor})]


def reject_post(actor: User, item: ReviewItem, reason_key: str, text: str) -> Events:
    post = item.post
    if post is None:
        raise NotFound()
    if post.state != PostState.PENDING:
        raise ValidationFailed(_("This post is not waiting for approval."))
    reason = rejection_text(reason_key, text, post.author)
    before = {"state": post.state}
    counters.set_state(post, PostState.REJECTED, actor, reason)
    resolve(item, actor, Resolution.REJECTED)
    record_action(actor, "post.reject", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    if post.author is not None:
        notify(post.author, notices.POST_REJECTED,
               {"title": topic_title(post), **notices.rejection_params(reason, reason_key, text)},
               url=post_url(post))
    return [("forum_post_rejected", {"post": post, "actor": actor, "reason": reason})]


def approve_item(actor: User, item: ReviewItem) -> None:
    """Approve a held post, or a member application; on a flag item, keep the post (disagree)."""
    require_moderator(actor)
    check_actionable(actor, item)
    commit_and_fire(_approve(actor, item))


def edit_and_approve(actor: User, item: ReviewItem, body: str, *, title: str | None = None,
                     reason: str | None = None) -> None:
    """Fix a held post and publish it: the edit keeps a revision and the author is told."""
    require_moderator(actor)
    check_actionable(actor, item)
    if item.kind not in (ReviewKind.TOPIC, ReviewKind.REPLY) or item.post is None:
        raise ValidationFailed(_("Only held posts can be edited and approved."))
    post = item.post
    edits_before = post.edit_count
    try:
        discussions.edit_post(actor, post, body, title=title if post.post_number == 1 else None,
                              reason=clean(reason, 300) or stored(lambda: _("Edited by a moderator before approval")),
                              commit=False)
        events = approve_post(actor, item, edited=post.edit_count > edits_before)
    except Exception:
        db.session.rollback()
        raise
    commit_and_fire(events)


def reject_item(actor: User, item: ReviewItem, reason_key: str = "", text: str = "") -> None:
    """Refuse a held post (its text stays with the author, who may resubmit) or an application;
    on a flag item, uphold the flags (the post is hidden)."""
    require_moderator(actor)
    check_actionable(actor, item)
    commit_and_fire(_reject(actor, item, reason_key, text))


def delete_item(actor: User, item: ReviewItem, reason: str = "") -> None:
    """Remove the post behind an item (soft: restorable by a moderator)."""
    require_moderator(actor)
    check_actionable(actor, item)
    post = item.post
    if post is None:
        raise ValidationFailed(_("There is no post to delete."))
    reason = clean(reason) or stored(lambda: _("Removed by a moderator."))
    events = stage_delete(actor, post, reason)
    if item.kind == ReviewKind.FLAG:
        flaggers_outcome(item, actor, FlagStatus.AGREED)
    resolve(item, actor, Resolution.DELETED)
    commit_and_fire(events)


def resolve_flag_item(actor: User, item: ReviewItem, outcome: str, reason: str = "") -> None:
    """agree (hide the post), disagree (keep or restore it) or ignore (no change)."""
    require_moderator(actor)
    check_actionable(actor, item)
    if item.kind != ReviewKind.FLAG:
        raise ValidationFailed(_("This item has no flags."))
    status = {"agree": FlagStatus.AGREED, "disagree": FlagStatus.DISAGREED, "ignore": FlagStatus.IGNORED}.get(outcome)
    if status is None:
        raise ValidationFailed(_("Unknown decision."))
    commit_and_fire(resolve_flags(actor, item, status, clean(reason) or None))


@dataclass
class BulkResult:
    done: int = 0
    skipped: int = 0


def bulk_review(actor: User, item_ids: Iterable[int], action: str, reason_key: str = "",
                text: str = "") -> BulkResult:
    """Approve or reject many items at once, in one transaction. Approve = publish / admit /
    keep the flagged post; reject = refuse / turn down / uphold the flags. Items another
    moderator claimed, or that the actor may not touch, are skipped."""
    require_moderator(actor)
    if action not in ("approve", "reject"):
        raise ValidationFailed(_("Unknown decision."))
    ids = sorted({int(i) for i in item_ids})[:200]
    if not ids:
        raise ValidationFailed(_("Select at least one item."))
    if action == "reject" and item_kinds_need_reason(ids):
        rejection_text(reason_key, text, None)  # validates before anything changes
    items = list(db.session.scalars(select(ReviewItem).options(*item_options())
                                    .where(ReviewItem.id.in_(ids))).unique())
    result, events = BulkResult(), []
    for item in items:
        # Each item in its own savepoint: one that cannot be decided leaves no half-change
        # behind, and only the decisions that stood are counted and announced.
        savepoint = db.session.begin_nested()
        try:
            check_actionable(actor, item)
            decided = _approve(actor, item) if action == "approve" else _reject(actor, item, reason_key, text)
            savepoint.commit()
        except (ValidationFailed, PermissionDenied, NotFound):
            savepoint.rollback()
            result.skipped += 1
        else:
            events += decided
            result.done += 1
    result.skipped += len(ids) - len(items)
    commit_and_fire(events)
    return result


def item_kinds_need_reason(ids: list[int]) -> bool:
    kinds = set(db.session.scalars(select(ReviewItem.kind).where(ReviewItem.id.in_(ids))))
    return bool(kinds & {ReviewKind.TOPIC, ReviewKind.REPLY, ReviewKind.EVENT, ReviewKind.PROFILE})


def resubmit_post(author: User, post: Post, body: str, *, title: str | None = None) -> None:
    """The author fixes a rejected post; it goes back to the queue (with its old reason shown)."""
    if not permissions.can_resubmit(author, post):
        raise PermissionDenied()
    previous = post.state_reason or ""
    try:
        counters.set_state(post, PostState.PENDING, author, None)
        item = new_post_item(post, ReviewKind.TOPIC if post.post_number == 1 else ReviewKind.REPLY,
                              ReviewReason.RESUBMITTED,
                              f"rejected before: {previous}" if previous else None)
        db.session.flush()
        record_action(author, "post.resubmit", "post", post.id, before={"state": PostState.REJECTED},
                      after={"state": PostState.PENDING, "item": item.id}, reason=previous or None)
        discussions.edit_post(author, post, body, title=title if post.post_number == 1 else None,
                              reason=stored(lambda: _("Resubmitted after review")), commit=False)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
