"""The core content rules, and recording every judgement in the writer's transaction.

* :func:`core_verdict` (a core ``forum_filter_post``): warnings to acknowledge, categories that
  hold topics or replies, and the new-member rule, for every kind of content (topics,
  replies, edits, meetups, profile text).
* :func:`core_registration_verdict`: registration bans and "approve members" mode.
* :class:`ModerationRecorder`: the :class:`~forum.accounts.interfaces.JudgementRecorder`
  moderation registers. Its errors propagate: the write they belong to rolls back.

Review reasons come from the verdicts' structured fields (``origin``, ``failed``, ``code``),
never from their prose.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from forum.accounts.interfaces import JudgedKind, Judgement
from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions.models import Category, Post, PostState
from forum.extensions import db
from forum.i18n_content import member_language
from forum.plugins import FilterContext, Verdict, VerdictKind, VerdictOrigin
from forum.plugins import is_new_member as shared_is_new_member
from forum.settings import get_setting

from ..models import PostVerdict, Resolution, ReviewItem, ReviewKind, ReviewReason, ReviewStatus
from .applications import answers_from_form, queue_application
from .bans import registration_ban
from .common import MAX_REASON
from .items import append_reason, new_post_item, open_item_for_post, resolve

# Codes of the core rules' verdicts (Verdict.code).
NEW_MEMBER = "new_member"
CATEGORY = "category"
WARNING = "warning"
APPROVE_MEMBERS = "approve_members"
BAN = "ban"

NEW_CONTENT = ("topic", "reply", "event")
JUDGED_KINDS = ("topic", "reply", "edit", "event", "profile")


def is_new_member(author: Any, context: FilterContext) -> bool:
    """During a member's first ``first_posts_need_approval`` posts. An edit counts the edited
    post as one of theirs: a member whose first post was just approved is still new when they
    edit it (so it cannot be approved and then edited into spam). The shared rule, so the
    trust level speaks first (forum.accounts.trust.newness)."""
    return shared_is_new_member(author, posts=int(get_setting("first_posts_need_approval") or 0), days=0,
                                context=context)


def core_verdict(author: Any, context: FilterContext) -> Verdict | None:
    if author is None or context.kind not in JUDGED_KINDS:
        return None
    if getattr(author, "warning_pending", False) and context.kind in NEW_CONTENT:
        with force_locale(member_language(author)):
            message = _("Please read and acknowledge the moderators' warning before posting (see the link "
                        "at the top of the page). Your text is kept.")
        return Verdict.reject(message, reason="warning not acknowledged", code=WARNING)
    # Moderators and the brand's staff skip the holds; a moderator's key without the moderation
    # scope writes as a member (User.acting_role), so it is held like one.
    if author.is_moderator or author.is_staff_member:
        return None
    return _category_hold(context) or (
        Verdict.require_approval("new member: first posts are reviewed", code=NEW_MEMBER)
        if is_new_member(author, context) else None)


def _category_hold(context: FilterContext) -> Verdict | None:
    """Categories that hold topics or replies hold edits of them too (an approved reply must not
    become something else unreviewed)."""
    category = db.session.get(Category, context.category_id) if context.category_id else None
    if category is None:
        return None
    kind = context.kind
    if kind == "edit":
        edits = context.extra.get("edits")
        kind = "event" if edits == "event" else ("topic" if context.extra.get("post_number") == 1 else "reply")
    if kind in ("topic", "event") and category.approve_topics:
        return Verdict.require_approval("category requires approval for new topics", code=CATEGORY)
    if kind == "reply" and category.approve_replies:
        return Verdict.require_approval("category requires approval for replies", code=CATEGORY)
    return None


def core_registration_verdict(form_data: dict[str, Any]) -> Verdict | None:
    ban = registration_ban(str(form_data.get("email") or ""), form_data.get("ip"))
    if ban is not None:
        return Verdict.reject(_("Registrations from this address are not accepted."),
                              reason=f"ban {ban.kind} {ban.value}", code=BAN)
    if get_setting("approve_members"):
        return Verdict.require_approval("approve members: every application is reviewed", code=APPROVE_MEMBERS)
    return None


def reason_code(verdicts: Iterable[Verdict]) -> str:
    """The most serious cause of a hold names the queue item."""
    codes = set()
    for v in verdicts:
        if v.kind != VerdictKind.REQUIRE_APPROVAL:
            continue
        if v.failed:
            codes.add(ReviewReason.PLUGIN_ERROR)
        elif v.origin == VerdictOrigin.CORE and v.code == NEW_MEMBER:
            codes.add(ReviewReason.NEW_MEMBER)
        elif v.origin == VerdictOrigin.CORE and v.code == CATEGORY:
            codes.add(ReviewReason.CATEGORY)
        else:
            codes.add(ReviewReason.FILTER)
    for code in (ReviewReason.PLUGIN_ERROR, ReviewReason.FILTER, ReviewReason.CATEGORY, ReviewReason.NEW_MEMBER):
        if code in codes:
            return code
    return ReviewReason.FILTER


def verdict_text(verdicts: Iterable[Verdict]) -> str:
    """Plugins' words for staff (the core rules' causes are the item's reason code already)."""
    return "; ".join(f"{v.plugin}: {v.reason}" for v in verdicts
                     if v.reason and v.origin != VerdictOrigin.CORE
                     and v.kind in (VerdictKind.REQUIRE_APPROVAL, VerdictKind.FLAG))[:MAX_REASON]


def _flagged(verdicts: Iterable[Verdict]) -> bool:
    return any(v.kind == VerdictKind.FLAG for v in verdicts)


def record_post(judgement: Judgement) -> None:
    """Keep every non-allow verdict in the post's history; queue held or filter-flagged posts."""
    post: Post = judgement.subject
    for v in judgement.notable:
        db.session.add(PostVerdict(post_id=post.id, plugin=v.plugin[:120], verdict=v.kind.name.lower(),
                                   reason=(v.reason or v.message or None), context_kind=judgement.context.kind))
    text = verdict_text(judgement.verdicts)
    item = open_item_for_post(post.id)
    if post.state == PostState.PENDING:
        if item is None:
            kind = ReviewKind.TOPIC if post.post_number == 1 else ReviewKind.REPLY
            new_post_item(post, kind, reason_code(judgement.verdicts), text)
        else:
            append_reason(item, text)
    elif post.state == PostState.PUBLISHED and _flagged(judgement.verdicts):
        if item is None:
            new_post_item(post, ReviewKind.FLAG, ReviewReason.FILTER, text)
        else:
            append_reason(item, text)


def _open_item(kind: str, **where: Any) -> ReviewItem | None:
    query = select(ReviewItem).where(ReviewItem.kind == kind, ReviewItem.status == ReviewStatus.OPEN)
    for column, value in where.items():
        query = query.where(getattr(ReviewItem, column) == value)
    return db.session.scalar(query)


def record_event(judgement: Judgement) -> None:
    """A held meetup waits in the queue (its discussion topic opens when it is approved)."""
    if not (judgement.held or _flagged(judgement.verdicts)):
        return
    event = judgement.subject
    text = verdict_text(judgement.verdicts)
    item = _open_item(ReviewKind.EVENT, subject_id=event.id)
    if item is not None:
        append_reason(item, text)
        return
    db.session.add(ReviewItem(kind=ReviewKind.EVENT, status=ReviewStatus.OPEN,
                              reason_code=reason_code(judgement.verdicts) if judgement.held else ReviewReason.FILTER,
                              reason=text or None, subject_id=event.id, category_id=event.category_id,
                              user_id=event.created_by_id, created_at=utcnow(), updated_at=utcnow(),
                              data={"held": judgement.held}))


def record_profile(judgement: Judgement) -> None:
    """Held or flagged profile text: the text under review is kept with the item."""
    user: User = judgement.subject
    item = _open_item(ReviewKind.PROFILE, user_id=user.id)
    if not (judgement.held or _flagged(judgement.verdicts)):
        if item is not None and not judgement.held:  # the member wrote something fine meanwhile
            item.data = {**(item.data or {}), "bio": user.bio, "held": False}
        return
    text = verdict_text(judgement.verdicts)
    data = {"bio": user.bio, "held": judgement.held}
    if item is not None:
        item.data = data
        append_reason(item, text)
        return
    db.session.add(ReviewItem(kind=ReviewKind.PROFILE, status=ReviewStatus.OPEN,
                              reason_code=reason_code(judgement.verdicts) if judgement.held else ReviewReason.FILTER,
                              reason=text or None, user_id=user.id, created_at=utcnow(), updated_at=utcnow(),
                              data=data))


def record_registration(judgement: Judgement) -> None:
    if judgement.held:
        hold = next((v for v in judgement.verdicts if v.kind == VerdictKind.REQUIRE_APPROVAL), None)
        reason = hold.reason if hold is not None and hold.code != APPROVE_MEMBERS else None
        queue_application(judgement.subject, answers_from_form(judgement.details.get("answers") or {}), reason)


class ModerationRecorder:
    """The judgement recorder: one method per kind of judged content."""

    _BY_KIND = {
        JudgedKind.POST: record_post,
        JudgedKind.EVENT: record_event,
        JudgedKind.PROFILE: record_profile,
        JudgedKind.REGISTRATION: record_registration,
    }

    def record(self, judgement: Judgement) -> None:
        self._BY_KIND[judgement.kind](judgement)

    def settle(self, kind: str, subject: Any, actor: Any, *, approved: bool) -> None:
        item = _open_item(ReviewKind.EVENT, subject_id=subject.id) if kind == JudgedKind.EVENT else None
        if item is None:
            return
        resolve(item, actor, Resolution.APPROVED if approved else Resolution.REJECTED)
        record_action(actor, f"event.{'approve' if approved else 'reject'}", "event", subject.id,
                      after={"item": item.id})
