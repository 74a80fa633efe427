"""Member applications ("approve members" mode, or a registration held by a filter)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from forum.accounts.models import User
from forum.accounts.services import publish_bio
from forum.accounts.states import Membership
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound
from forum.extensions import db
from forum.notifications import notify

from ..models import Resolution, ReviewItem, ReviewKind, ReviewReason, ReviewStatus
from . import notices
from .common import Events, clean, iso
from .items import resolve
from .labels import reason_keys, rejection_text


def application_questions() -> list[str]:
    """The questions' keys (their default-language text): answers are stored under them."""
    return reason_keys("application_questions")


def answers_from_form(form: Mapping[str, Any]) -> dict[str, str]:
    """The registration form's answers (fields answer_0..n), keyed by question."""
    return {q: clean(form.get(f"answer_{i}", ""), 2000) for i, q in enumerate(application_questions())}


def queue_application(user: User, answers: dict[str, str] | None, reason: str | None = None) -> ReviewItem:
    """Stage a member application in the registration transaction (the caller commits)."""
    item = ReviewItem(kind=ReviewKind.MEMBER, status=ReviewStatus.OPEN, reason_code=ReviewReason.APPLICATION,
                      user_id=user.id,
                      reason=reason or None, created_at=utcnow(), updated_at=utcnow(),
                      data={"answers": [[q, a] for q, a in (answers or {}).items()]})
    db.session.add(item)
    # The state lives on the account, so every permission knows it without asking the queue.
    user.membership = Membership.PENDING
    publish_bio(user)  # an applicant has no public profile text
    return item


def has_open_application(user: Any) -> bool:
    return bool(user.is_authenticated and db.session.scalar(select(ReviewItem.id).where(
        ReviewItem.user_id == user.id, ReviewItem.kind == ReviewKind.MEMBER,
        ReviewItem.status == ReviewStatus.OPEN).limit(1)))


def approve_member(actor: User, item: ReviewItem) -> Events:
    user = item.user
    if user is None:
        raise NotFound()
    before = user.membership
    user.approved_at = utcnow()
    user.membership = Membership.OPEN
    publish_bio(user)  # their profile text goes public with their membership
    resolve(item, actor, Resolution.APPROVED)
    record_action(actor, "user.approve", "user", user.id, before={"approved_at": None, "membership": before},
                  after={"approved_at": iso(user.approved_at), "membership": user.membership})
    notify(user, notices.APPLICATION_APPROVED)
    return [("forum_user_approved", {"user": user, "actor": actor})]


def reject_member(actor: User, item: ReviewItem, reason_key: str, text: str) -> Events:
    user = item.user
    if user is None:
        raise NotFound()
    reason = rejection_text(reason_key, text, user) if (reason_key or text) else ""
    before = user.membership
    user.membership = Membership.REJECTED  # the account stays, read-only, with no public profile text
    publish_bio(user)
    resolve(item, actor, Resolution.REJECTED)
    record_action(actor, "user.reject", "user", user.id, before={"membership": before},
                  after={"approved_at": None, "membership": user.membership}, reason=reason or None)
    notify(user, notices.APPLICATION_REJECTED, notices.rejection_params(reason, reason_key, text))
    return []
