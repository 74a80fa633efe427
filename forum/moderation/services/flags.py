"""Flags: members report posts; weighted flags hide a post until a moderator reviews it.

Flag weight (documented for community managers; :func:`flag_weight` is the one place it is
computed). A flag weighs what its author has earned, between 0.25 and 1.0:

    earned   = min(1, 0.5 * age + 0.5 * activity + 0.1 * agreed)
    age      = min(1, account age in days / 60)
    activity = min(1, published posts / 10)
    accuracy = (agreed + 2) / (agreed + disagreed + 2)
    weight   = clamp(0.25 + 0.75 * earned) * accuracy, never below 0.25 nor above 1.0

``agreed``/``disagreed`` count the member's earlier flags that moderators upheld or turned
down (ignored flags count for neither). The trust level sets a floor before accuracy
(:data:`forum.accounts.trust.FLAG_WEIGHT_FLOOR`): a regular's flag weighs at least
0.75 × accuracy, a leader's 1.0 × accuracy. The forum does not track posts read, so activity is
the member's published posts. Moderators' and admins' flags weigh 1.0. So a brand-new
account weighs 0.25: three throwaway accounts add up to 0.75, not to a hide.

A post is hidden until reviewed once the weights of its open flags from distinct members add
up to the ``flags_to_hide`` setting (0 turns automatic hiding off). Content by staff,
moderators and admins is never hidden by flags: it goes to the review queue, where a
moderator of higher rank decides.
"""

from __future__ import annotations

from typing import Any

from flask import g, has_request_context
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum import outbox
from forum.accounts import trust
from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.discussions.models import Post, PostState
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.settings import get_setting

from .. import permissions
from ..models import Flag, FlagStatus, Resolution, ReviewItem, ReviewKind, ReviewReason
from .common import Events, clean, fire_all, stored
from .items import flaggers_outcome, new_post_item, open_item_for_post, resolve
from .labels import reason_keys
from .post_actions import stage_hide, stage_restore

MIN_FLAG_WEIGHT = 0.25
TRUST_DAYS = 60  # account age that earns full marks for age
TRUST_POSTS = 10  # published posts that earn full marks for activity


def resolve_flags(actor: User, item: ReviewItem, outcome: FlagStatus, reason: str | None) -> Events:
    post = item.post
    if post is None:
        raise NotFound()
    events: Events = []
    if outcome == FlagStatus.AGREED and post.state == PostState.PUBLISHED:
        events += stage_hide(actor, post, reason or stored(lambda: _("Flags upheld by a moderator.")))
    elif outcome == FlagStatus.DISAGREED and post.state == PostState.HIDDEN and item.hidden_by_flags:
        events += stage_restore(actor, post, reason)
    flaggers_outcome(item, actor, outcome)
    resolve(item, actor, Resolution(outcome.value))
    record_action(actor, f"flag.{outcome.value}", "post", post.id,
                  after={"item": item.id, "flags": len(item.flags)}, reason=reason)
    return events


def flag_weight(user: User) -> float:
    """What one flag of ``user`` weighs: see the module docstring (0.25 .. 1.0)."""
    if user.is_moderator:
        return 1.0
    rows = dict(db.session.execute(
        select(Flag.status, func.count()).where(Flag.user_id == user.id,
                                                Flag.status.in_([FlagStatus.AGREED, FlagStatus.DISAGREED]))
        .group_by(Flag.status)).all())
    agreed, disagreed = int(rows.get(FlagStatus.AGREED, 0)), int(rows.get(FlagStatus.DISAGREED, 0))
    age_days = max(0.0, (utcnow() - user.created_at).total_seconds() / 86400) if user.created_at else 0.0
    earned = min(1.0, 0.5 * min(1.0, age_days / TRUST_DAYS) + 0.5 * min(1.0, (user.post_count or 0) / TRUST_POSTS)
                 + 0.1 * agreed)
    accuracy = (agreed + 2) / (agreed + disagreed + 2)
    weight = (MIN_FLAG_WEIGHT + (1 - MIN_FLAG_WEIGHT) * earned) * accuracy
    weight = max(weight, trust.flag_weight_floor(user) * accuracy)  # regulars and leaders weigh more
    return round(min(1.0, max(MIN_FLAG_WEIGHT, weight)), 3)


def hides_by_flags(post: Post) -> bool:
    """Staff, moderators' and admins' content is never hidden by flags: a moderator reviews it."""
    return not (post.author is not None and post.author.is_staff)


def flag_post(user: User, post: Post, reason: str, text: str = "") -> Flag:
    if not permissions.can_flag(user, post):
        raise PermissionDenied()
    if reason not in reason_keys("flag_reasons"):
        raise ValidationFailed({"reason": _("Choose a reason.")})
    text = clean(text, 1000)
    if reason == "other" and not text:
        raise ValidationFailed({"text": _("Tell the moderators what is wrong.")})
    if db.session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == user.id)):
        raise ValidationFailed(_("You already flagged this post."))
    weight = flag_weight(user)
    item = open_item_for_post(post.id)
    if item is None:
        item = new_post_item(post, ReviewKind.FLAG, ReviewReason.FLAGS, None)
    elif item.kind == ReviewKind.FLAG and item.reason_code != ReviewReason.FLAGS and not item.flags:
        item.reason_code = ReviewReason.FLAGS
    flag = Flag(post_id=post.id, user_id=user.id, reason=reason[:80], text=text or None, weight=weight,
                status=FlagStatus.OPEN,
                created_at=utcnow())
    item.flags.append(flag)
    item.score = round(sum(f.weight for f in item.flags if f.status == FlagStatus.OPEN), 3)
    item.updated_at = utcnow()
    events: Events = []
    threshold = float(get_setting("flags_to_hide") or 0)
    if threshold > 0 and item.score >= threshold - 1e-9 and post.state == PostState.PUBLISHED \
            and hides_by_flags(post):
        item.hidden_by_flags = True
        events += stage_hide(None, post, f"flags: {item.score:g} >= {threshold:g}")
    events = [("forum_post_flagged", {"post": post, "flag": flag}), *events]
    try:
        db.session.flush()  # the flag's id, for what the outboxes write
        outbox.record_all(events)
        db.session.commit()
    except IntegrityError as exc:  # a double click or a race with another flagger's first flag
        db.session.rollback()
        raise ValidationFailed(_("You already flagged this post, or it was just flagged: please try "
                                 "again.")) from exc
    fire_all(events)
    return flag


def flagged_post_ids(user: Any, topic_id: int) -> set[int]:
    """Posts of a topic the viewer already flagged (one query per page, cached)."""
    if not user.is_authenticated:
        return set()
    key = f"moderation_flagged_{topic_id}"
    if has_request_context() and key in g:
        return set(g.get(key))
    ids = set(db.session.scalars(select(Flag.post_id).join(Post, Post.id == Flag.post_id)
                                 .where(Flag.user_id == user.id, Post.topic_id == topic_id)))
    if has_request_context():
        setattr(g, key, ids)
    return ids
