"""Moderation rules: the review queue, flags, sanctions, topic tools, bans, notes, ignores and
the audit log.

Every staff action is ONE function here: permission check (``permissions``), validation,
state change through ``discussions.services.publish``/``unpublish`` (so every counter stays
right), an audit entry in the same transaction, commit, then event hooks and notifications.

Flagger weight (documented for community managers):

    weight = max(0.2, (agreed + 2) / (agreed + disagreed + 2))

where ``agreed``/``disagreed`` count the member's earlier flags that moderators upheld or
turned down (ignored flags count for neither). A newcomer weighs 1.0; each disagreed flag
lowers the weight, agreed flags raise it back (never above 1.0). A post is hidden until
reviewed once the weights of its open flags from distinct members add up to the
``flags_to_hide`` setting (0 turns automatic hiding off).

Claims: a moderator may claim an item for ``claim_minutes`` (setting, default 30); while the
claim is fresh, other moderators see who holds it and cannot act on it. Claims expire by
timestamp comparison: no cron.
"""

from __future__ import annotations

import contextlib
import csv
import io
import ipaddress
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import current_app, g, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from forum.accounts.models import Role, User
from forum.admin.settings import get_setting, set_setting
from forum.db_types import utcnow
from forum.discussions import services as discussions
from forum.discussions.models import Category, Post, PostState, Topic
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.notifications.services import notify
from forum.plugins import FilterContext, Verdict, VerdictKind
from forum.plugins.manager import fire
from forum.text import slugify, strip_invisible

from . import permissions
from .audit import record_action
from .models import (
    AuditLog,
    BanKind,
    Flag,
    FlagStatus,
    IgnoredUser,
    PostVerdict,
    RegistrationBan,
    Resolution,
    ReviewItem,
    ReviewKind,
    ReviewReason,
    ReviewStatus,
    Sanction,
    SanctionKind,
    StaffNote,
)

MIN_FLAG_WEIGHT = 0.2
# A suspension without end is stored as a far-future date, so every check stays a comparison.
PERMANENT = datetime(9999, 12, 31, tzinfo=UTC)
QUEUE_PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 50
MAX_REASON = 2000

Events = list[tuple[str, dict[str, Any]]]

# --- labels ----------------------------------------------------------------------------------------

FLAG_REASONS = {
    "spam": _l("Spam"),
    "off_topic": _l("Off-topic"),
    "rude": _l("Rude or hostile"),
    "inappropriate": _l("Inappropriate"),
    "other": _l("Something else"),
}
REJECTION_REASONS = {
    "off_topic": _l("Off-topic for this community."),
    "duplicate": _l("This was already discussed in another topic."),
    "spam": _l("Spam or advertising."),
    "coc": _l("It does not follow the code of conduct."),
    "unclear": _l("Unclear: please add details so others can help."),
}
REVIEW_REASONS = {
    ReviewReason.NEW_MEMBER: _l("New member"),
    ReviewReason.CATEGORY: _l("Category requires approval"),
    ReviewReason.FILTER: _l("Content filter"),
    ReviewReason.PLUGIN_ERROR: _l("Plugin error"),
    ReviewReason.FLAGS: _l("Flagged by members"),
    ReviewReason.APPLICATION: _l("Member application"),
    ReviewReason.RESUBMITTED: _l("Resubmitted after rejection"),
}
REVIEW_KINDS = {
    ReviewKind.TOPIC: _l("Topics"),
    ReviewKind.REPLY: _l("Replies"),
    ReviewKind.FLAG: _l("Flags"),
    ReviewKind.MEMBER: _l("Members"),
}
REVIEW_KIND_ONE = {
    ReviewKind.TOPIC: _l("New topic"),
    ReviewKind.REPLY: _l("Reply"),
    ReviewKind.FLAG: _l("Flagged post"),
    ReviewKind.MEMBER: _l("Application"),
}
DURATIONS: dict[str, timedelta | None] = {
    "1h": timedelta(hours=1), "1d": timedelta(days=1), "3d": timedelta(days=3), "7d": timedelta(days=7),
    "30d": timedelta(days=30), "365d": timedelta(days=365), "permanent": None,
}
DURATION_LABELS = {
    "1h": _l("1 hour"), "1d": _l("1 day"), "3d": _l("3 days"), "7d": _l("1 week"), "30d": _l("30 days"),
    "365d": _l("1 year"), "permanent": _l("Permanently"),
}
AGES = {"1h": timedelta(hours=1), "1d": timedelta(days=1), "7d": timedelta(days=7)}

# The core filter's reasons (English for the verdict record; the queue shows REVIEW_REASONS).
CORE_NEW_MEMBER = "new member: first posts are reviewed"
CORE_CATEGORY_TOPICS = "category requires approval for new topics"
CORE_CATEGORY_REPLIES = "category requires approval for replies"
CORE_PLUGIN = "core:forum.moderation.hooks"


def _reason_keys(setting: str) -> list[str]:
    return [key for key in (get_setting(setting) or []) if isinstance(key, str) and key.strip()]


def _reason_choices(setting: str, builtins: dict[str, Any]) -> list[tuple[str, str]]:
    """(key, label) per configured entry: a built-in key gets its translated label, any other
    line is the admin's own wording and is its own key."""
    return [(key, str(builtins[key]) if key in builtins else key) for key in _reason_keys(setting)]


def flag_reason_choices() -> list[tuple[str, str]]:
    return _reason_choices("flag_reasons", FLAG_REASONS)


def rejection_reason_choices() -> list[tuple[str, str]]:
    return _reason_choices("rejection_reasons", REJECTION_REASONS)


def flag_reason_label(key: str) -> str:
    return str(FLAG_REASONS[key]) if key in FLAG_REASONS else key


def review_reason_label(code: str) -> str:
    return str(REVIEW_REASONS.get(code, code))  # type: ignore[call-overload]


def review_kind_label(kind: str, *, one: bool = False) -> str:
    return str((REVIEW_KIND_ONE if one else REVIEW_KINDS).get(kind, kind))  # type: ignore[call-overload]


def _clean(text: str | None, limit: int = MAX_REASON) -> str:
    return " ".join(strip_invisible(text or "").split())[:limit]


def _post_url(post: Post) -> str:
    return _url("discussions.post_by_id", f"/p/{post.id}", post_id=post.id)


def _url(endpoint: str, fallback: str, **values: Any) -> str:
    try:
        return url_for(endpoint, **values)
    except RuntimeError:  # no request and no SERVER_NAME (CLI): the stable path
        return fallback


def _site_locale() -> str:
    return str(get_setting("default_language") or current_app.config["DEFAULT_LOCALE"])


def _stored(text: Callable[[], str]) -> str:
    """A default text saved with the data (read by many people): in the community's language."""
    with force_locale(_site_locale()):
        return text()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _fmt_until(value: datetime | None) -> str:
    if value is None or value >= PERMANENT:
        return ""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _fire_all(events: Events) -> None:
    for name, kwargs in events:
        fire(name, **kwargs)


def _commit_and_fire(events: Events) -> None:
    db.session.commit()
    _fire_all(events)


# --- post state ------------------------------------------------------------------------------------

def _set_state(post: Post, state: PostState, actor: User | None, reason: str | None) -> None:
    """Move a post to ``state`` through publish/unpublish so the counters stay right."""
    if state == PostState.PUBLISHED:
        if post.state != PostState.PUBLISHED:
            discussions.publish(post)
        post.state_changed_at = utcnow()
        post.state_changed_by_id = actor.id if actor else None
        post.state_reason = reason
    else:
        discussions.unpublish(post, state, actor, reason)
    # unpublish only moves the topic along when the opening post WAS published; a held or
    # rejected opening post (never counted) still carries its topic's state.
    if post.post_number == 1 and post.topic.state != post.state:
        post.topic.state = post.state
    if post.is_official:
        _recount_official(post.topic)


def _recount_official(topic: Topic) -> None:
    lo, hi = db.session.execute(
        select(func.min(Post.post_number), func.max(Post.post_number))
        .where(Post.topic_id == topic.id, Post.is_official.is_(True), Post.state == PostState.PUBLISHED)).one()
    topic.first_official_post_number, topic.last_official_post_number = lo, hi


# --- the core filter (registered by hooks.py) ---------------------------------------------------

def core_verdict(author: Any, context: FilterContext) -> Verdict | None:
    """Warnings to acknowledge, category approval and new members' first posts."""
    if author is None or context.kind not in ("topic", "reply", "edit"):
        return None
    if getattr(author, "warning_pending", False) and context.kind in ("topic", "reply"):
        with force_locale(author.locale or _site_locale()):
            message = _("Please read and acknowledge the moderators' warning before posting (see the link "
                        "at the top of the page). Your text is kept.")
        return Verdict.reject(message, reason="warning not acknowledged")
    if author.is_moderator or author.is_staff or context.kind == "edit":
        return None
    reason = None
    category = db.session.get(Category, context.category_id) if context.category_id else None
    if category is not None and context.kind == "topic" and category.approve_topics:
        reason = CORE_CATEGORY_TOPICS
    elif category is not None and context.kind == "reply" and category.approve_replies:
        reason = CORE_CATEGORY_REPLIES
    elif 0 < int(get_setting("first_posts_need_approval") or 0) > (author.post_count or 0):
        reason = CORE_NEW_MEMBER
    return Verdict.require_approval(reason) if reason else None


def core_registration_verdict(form_data: dict[str, Any]) -> Verdict | None:
    ban = registration_ban(str(form_data.get("email") or ""), form_data.get("ip"))
    if ban is not None:
        return Verdict.reject(_("Registrations from this address are not accepted."),
                              reason=f"ban {ban.kind} {ban.value}")
    return None


def _reason_code(verdicts: list[Verdict]) -> str:
    holds = [v for v in verdicts if v.kind == VerdictKind.REQUIRE_APPROVAL]
    codes = set()
    for v in holds:
        if v.plugin == CORE_PLUGIN:
            codes.add(ReviewReason.NEW_MEMBER if v.reason == CORE_NEW_MEMBER else ReviewReason.CATEGORY)
        elif v.reason.startswith("plugin ") and (" failed" in v.reason or "invalid verdict" in v.reason):
            codes.add(ReviewReason.PLUGIN_ERROR)
        else:
            codes.add(ReviewReason.FILTER)
    # The most serious cause names the item.
    for code in (ReviewReason.PLUGIN_ERROR, ReviewReason.FILTER, ReviewReason.CATEGORY, ReviewReason.NEW_MEMBER):
        if code in codes:
            return code
    return ReviewReason.FILTER


def _verdict_text(verdicts: Iterable[Verdict]) -> str:
    return "; ".join(f"{v.plugin}: {v.reason}" for v in verdicts if v.reason)[:MAX_REASON]


def open_item_for_post(post_id: int) -> ReviewItem | None:
    return db.session.scalar(select(ReviewItem).where(ReviewItem.post_id == post_id,
                                                      ReviewItem.status == ReviewStatus.OPEN))


def _new_post_item(post: Post, kind: str, reason_code: str, reason: str | None) -> ReviewItem:
    item = ReviewItem(kind=kind, status=ReviewStatus.OPEN, reason_code=reason_code, reason=reason or None, post=post,
                      topic_id=post.topic_id, category_id=post.topic.category_id, user_id=post.user_id,
                      created_at=utcnow(), updated_at=utcnow())
    db.session.add(item)
    return item


def _append_reason(item: ReviewItem, text: str) -> None:
    if text and text not in (item.reason or ""):
        item.reason = (f"{item.reason}; {text}" if item.reason else text)[:MAX_REASON]
    item.updated_at = utcnow()


def record_judgement(post: Post, verdicts: list[Verdict], context: FilterContext) -> None:
    """Inside the posting transaction: keep every non-allow verdict in the post's history, and
    put held or filter-flagged posts in the queue."""
    notable = [v for v in verdicts if v.kind != VerdictKind.ALLOW]
    for v in notable:
        db.session.add(PostVerdict(post_id=post.id, plugin=v.plugin[:120], verdict=v.kind.name.lower(),
                                   reason=(v.reason or v.message or None), context_kind=context.kind))
    # The core rules' reasons are the item's reason code already; plugins' words add detail.
    text = _verdict_text(v for v in notable if v.kind in (VerdictKind.REQUIRE_APPROVAL, VerdictKind.FLAG)
                         and v.plugin != CORE_PLUGIN)
    item = open_item_for_post(post.id)
    if post.state == PostState.PENDING:
        if item is None:
            kind = ReviewKind.TOPIC if post.post_number == 1 else ReviewKind.REPLY
            _new_post_item(post, kind, _reason_code(verdicts), text)
        else:
            _append_reason(item, text)
    elif post.state == PostState.PUBLISHED and any(v.kind == VerdictKind.FLAG for v in verdicts):
        if item is None:
            _new_post_item(post, ReviewKind.FLAG, ReviewReason.FILTER, text)
        else:
            _append_reason(item, text)


def record_staff_edit(post: Post, revision: Any) -> None:
    """A moderator edited someone else's post: audit it (the revision keeps the old text)."""
    if revision is None or not revision.editor_id or revision.editor_id == post.user_id:
        return
    editor = db.session.get(User, revision.editor_id)
    if editor is None or not editor.is_moderator:
        return
    record_action(editor, "post.edit", "post", post.id,
                  before={"revision": revision.number, "excerpt": revision.raw[:300]},
                  after={"edit_count": post.edit_count, "excerpt": post.raw[:300]}, reason=revision.reason)
    db.session.commit()


# --- the queue -------------------------------------------------------------------------------------

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


def _require_moderator(user: Any) -> None:
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


def _item_options() -> list[Any]:
    return [joinedload(ReviewItem.post).joinedload(Post.topic),
            joinedload(ReviewItem.post).joinedload(Post.author),
            joinedload(ReviewItem.user), joinedload(ReviewItem.category), joinedload(ReviewItem.claimed_by),
            selectinload(ReviewItem.flags).joinedload(Flag.user), selectinload(ReviewItem.verdicts)]


def review_queue(user: Any, filters: QueueFilters) -> QueuePage:
    """Oldest first, keyset-paginated; a fixed number of queries whatever the page holds."""
    _require_moderator(user)
    query = select(ReviewItem).options(*_item_options()).where(ReviewItem.status == ReviewStatus.OPEN)
    if filters.kind in set(ReviewKind):
        query = query.where(ReviewItem.kind == filters.kind)
    if filters.category_id:
        query = query.where(ReviewItem.category_id == filters.category_id)
    if filters.reason in set(ReviewReason):
        query = query.where(ReviewItem.reason_code == filters.reason)
    if filters.age in AGES:
        query = query.where(ReviewItem.created_at <= utcnow() - AGES[filters.age])
    position = _decode_cursor(filters.after)
    if position is not None:
        query = query.where(tuple_(ReviewItem.created_at, ReviewItem.id) > tuple_(*position))
    rows = list(db.session.scalars(query.order_by(ReviewItem.created_at, ReviewItem.id)
                                   .limit(QUEUE_PAGE_SIZE + 1)).unique())
    next_cursor = _encode_cursor(rows[QUEUE_PAGE_SIZE - 1]) if len(rows) > QUEUE_PAGE_SIZE else None
    return QueuePage(items=rows[:QUEUE_PAGE_SIZE], next_cursor=next_cursor, counts=queue_counts(user),
                     filters=filters)


def _encode_cursor(item: ReviewItem) -> str:
    return f"{int(item.created_at.timestamp() * 1_000_000)}_{item.id}"


def _decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    stamp, _sep, item_id = cursor.partition("_")
    if not stamp.isdigit() or not item_id.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, UTC), int(item_id)


def get_item(user: Any, item_id: int) -> ReviewItem:
    _require_moderator(user)
    item = db.session.scalar(select(ReviewItem).options(*_item_options()).where(ReviewItem.id == item_id))
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


def _check_actionable(actor: User, item: ReviewItem) -> None:
    if not item.is_open:
        raise ValidationFailed(_("This item was already reviewed."))
    claimer = active_claimer_id(item)
    if claimer is not None and claimer != actor.id:
        name = item.claimed_by.display_name if item.claimed_by else "?"
        raise ItemClaimed(_("%(name)s is reviewing this item.", name=name))
    if item.post is not None and not permissions.can_act_on_post(actor, item.post):
        raise PermissionDenied()
    if item.kind == ReviewKind.MEMBER and not permissions.can_act_on_user(actor, item.user):
        raise PermissionDenied()


def claim_item(actor: User, item: ReviewItem) -> None:
    _require_moderator(actor)
    _check_actionable(actor, item)
    item.claimed_by_id, item.claimed_at = actor.id, utcnow()
    record_action(actor, "review.claim", "review_item", item.id,
                  after={"claimed_until": _iso(claim_expires_at(item))})
    db.session.commit()


def release_item(actor: User, item: ReviewItem) -> None:
    _require_moderator(actor)
    if item.claimed_by_id != actor.id and not actor.is_admin:
        raise PermissionDenied()
    before = {"claimed_by": item.claimed_by_id}
    item.claimed_by_id, item.claimed_at = None, None
    record_action(actor, "review.release", "review_item", item.id, before=before)
    db.session.commit()


def _resolve(item: ReviewItem, actor: User | None, resolution: Resolution) -> None:
    now = utcnow()
    item.status = ReviewStatus.RESOLVED
    item.resolution = resolution
    item.resolved_by_id = actor.id if actor else None
    item.resolved_at = now
    item.updated_at = now
    item.claimed_by_id, item.claimed_at = None, None


def _topic_title(post: Post) -> str:
    return post.topic.title if post.topic else ""


def _approve_post(actor: User, item: ReviewItem, *, edited: bool = False) -> Events:
    post = item.post
    if post is None:
        raise NotFound()
    if post.state not in (PostState.PENDING, PostState.REJECTED):
        raise ValidationFailed(_("This post is not waiting for approval."))
    before = {"state": post.state}
    _set_state(post, PostState.PUBLISHED, actor, None)
    _resolve(item, actor, Resolution.APPROVED)
    record_action(actor, "post.approve", "post", post.id, before=before,
                  after={"state": post.state, "edited": edited})
    if post.author is not None and post.user_id != actor.id:
        title = _topic_title(post)
        notify(post.author, "post_approved",
               (lambda: _("A moderator edited and approved your post in “%(title)s”.", title=title)) if edited
               else (lambda: _("Your post in “%(title)s” was approved.", title=title)), url=_post_url(post))
    return [("forum_post_approved", {"post": post, "actor": actor})]


def _rejection_text(reason_key: str, text: str, author: User | None) -> str:
    """The reason the author reads, in the AUTHOR's language when it is a canned one."""
    written = _clean(text)
    if reason_key in _reason_keys("rejection_reasons"):
        if reason_key in REJECTION_REASONS:
            locale = (author.locale if author else None) or current_app.config["DEFAULT_LOCALE"]
            with force_locale(locale):
                canned = str(REJECTION_REASONS[reason_key])
        else:
            canned = reason_key
        return f"{canned} {written}".strip() if written else canned
    if not written:
        raise ValidationFailed({"reason": _("Choose a reason or write one for the author.")})
    return written


def _reject_post(actor: User, item: ReviewItem, reason_key: str, text: str) -> Events:
    post = item.post
    if post is None:
        raise NotFound()
    if post.state != PostState.PENDING:
        raise ValidationFailed(_("This post is not waiting for approval."))
    reason = _rejection_text(reason_key, text, post.author)
    before = {"state": post.state}
    _set_state(post, PostState.REJECTED, actor, reason)
    _resolve(item, actor, Resolution.REJECTED)
    record_action(actor, "post.reject", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    if post.author is not None:
        title = _topic_title(post)
        notify(post.author, "post_rejected",
               lambda: _("Your post in “%(title)s” was not approved: %(reason)s Your text is kept: you can "
                         "edit it and submit it again.", title=title, reason=reason), url=_post_url(post))
    return [("forum_post_rejected", {"post": post, "actor": actor, "reason": reason})]


def _flaggers_outcome(item: ReviewItem, actor: User | None, status: FlagStatus) -> None:
    now = utcnow()
    post = item.post
    title = _topic_title(post) if post else ""
    messages: dict[FlagStatus, Callable[[], str]] = {
        FlagStatus.AGREED: lambda: _("Thanks: the moderators agreed with your flag on “%(title)s” and acted "
                                     "on it.", title=title),
        FlagStatus.DISAGREED: lambda: _("The moderators reviewed your flag on “%(title)s” and decided the "
                                        "post can stay.", title=title),
        FlagStatus.IGNORED: lambda: _("The moderators reviewed your flag on “%(title)s” and took no action.",
                                      title=title),
    }
    for flag in item.flags:
        if flag.status != FlagStatus.OPEN:
            continue
        flag.status, flag.resolved_at = status, now
        flag.resolved_by_id = actor.id if actor else None
        if flag.user is not None:
            notify(flag.user, "flag_outcome", messages[status], url=_post_url(post) if post else None,
                   dedupe_key=f"flag:{flag.id}")


def _hide(actor: User | None, post: Post, reason: str) -> Events:
    before = {"state": post.state}
    _set_state(post, PostState.HIDDEN, actor, reason)
    record_action(actor, "post.hide", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    if post.author is not None:
        title = _topic_title(post)
        by_staff: Callable[[], str] = lambda: _("Your post in “%(title)s” was hidden by the moderators: "  # noqa: E731
                                                "%(reason)s", title=title, reason=reason)
        by_flags: Callable[[], str] = lambda: _("Your post in “%(title)s” was hidden after flags from the "  # noqa: E731
                                                "community, until a moderator reviews it.", title=title)
        notify(post.author, "post_hidden", by_staff if actor else by_flags, url=_post_url(post))
    return [("forum_post_hidden", {"post": post, "actor": actor, "reason": reason})]


def _restore(actor: User, post: Post, reason: str | None) -> Events:
    before = {"state": post.state}
    _set_state(post, PostState.PUBLISHED, actor, None)
    record_action(actor, "post.restore", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    return [("forum_post_restored", {"post": post, "actor": actor})]


def _resolve_flags(actor: User, item: ReviewItem, outcome: FlagStatus, reason: str | None) -> Events:
    post = item.post
    if post is None:
        raise NotFound()
    events: Events = []
    if outcome == FlagStatus.AGREED and post.state == PostState.PUBLISHED:
        events += _hide(actor, post, reason or _stored(lambda: _("Flags upheld by a moderator.")))
    elif outcome == FlagStatus.DISAGREED and post.state == PostState.HIDDEN and item.hidden_by_flags:
        events += _restore(actor, post, reason)
    _flaggers_outcome(item, actor, outcome)
    _resolve(item, actor, Resolution(outcome.value))
    record_action(actor, f"flag.{outcome.value}", "post", post.id,
                  after={"item": item.id, "flags": len(item.flags)}, reason=reason)
    return events


def _close_items_for_post(actor: User, post: Post, resolution: Resolution) -> None:
    """A post acted on from the topic page: its open queue item is resolved with it."""
    item = open_item_for_post(post.id)
    if item is None:
        return
    if item.kind == ReviewKind.FLAG:
        status = {Resolution.DISAGREED: FlagStatus.DISAGREED}.get(resolution, FlagStatus.AGREED)
        _flaggers_outcome(item, actor, status)
    _resolve(item, actor, resolution)


def approve_item(actor: User, item: ReviewItem) -> None:
    """Approve a held post, or a member application; on a flag item, keep the post (disagree)."""
    _require_moderator(actor)
    _check_actionable(actor, item)
    if item.kind == ReviewKind.MEMBER:
        events = _approve_member(actor, item)
    elif item.kind == ReviewKind.FLAG:
        events = _resolve_flags(actor, item, FlagStatus.DISAGREED, None)
    else:
        events = _approve_post(actor, item)
    _commit_and_fire(events)


def edit_and_approve(actor: User, item: ReviewItem, body: str, *, title: str | None = None,
                     reason: str | None = None) -> None:
    """Fix a held post and publish it: the edit keeps a revision and the author is told."""
    _require_moderator(actor)
    _check_actionable(actor, item)
    if item.kind not in (ReviewKind.TOPIC, ReviewKind.REPLY) or item.post is None:
        raise ValidationFailed(_("Only held posts can be edited and approved."))
    post = item.post
    edits_before = post.edit_count
    discussions.edit_post(actor, post, body, title=title if post.post_number == 1 else None,
                          reason=_clean(reason, 300) or _stored(lambda: _("Edited by a moderator before approval")))
    item = get_item(actor, item.id)
    _commit_and_fire(_approve_post(actor, item, edited=item.post is not None
                                   and item.post.edit_count > edits_before))


def reject_item(actor: User, item: ReviewItem, reason_key: str = "", text: str = "") -> None:
    """Refuse a held post (its text stays with the author, who may resubmit) or an application;
    on a flag item, uphold the flags (the post is hidden)."""
    _require_moderator(actor)
    _check_actionable(actor, item)
    if item.kind == ReviewKind.MEMBER:
        events = _reject_member(actor, item, reason_key, text)
    elif item.kind == ReviewKind.FLAG:
        events = _resolve_flags(actor, item, FlagStatus.AGREED, _clean(text) or None)
    else:
        events = _reject_post(actor, item, reason_key, text)
    _commit_and_fire(events)


def delete_item(actor: User, item: ReviewItem, reason: str = "") -> None:
    """Remove the post behind an item (soft: restorable by a moderator)."""
    _require_moderator(actor)
    _check_actionable(actor, item)
    post = item.post
    if post is None:
        raise ValidationFailed(_("There is no post to delete."))
    reason = _clean(reason) or _stored(lambda: _("Removed by a moderator."))
    events = _delete(actor, post, reason)
    if item.kind == ReviewKind.FLAG:
        _flaggers_outcome(item, actor, FlagStatus.AGREED)
    _resolve(item, actor, Resolution.DELETED)
    _commit_and_fire(events)


def resolve_flag_item(actor: User, item: ReviewItem, outcome: str, reason: str = "") -> None:
    """agree (hide the post), disagree (keep or restore it) or ignore (no change)."""
    _require_moderator(actor)
    _check_actionable(actor, item)
    if item.kind != ReviewKind.FLAG:
        raise ValidationFailed(_("This item has no flags."))
    status = {"agree": FlagStatus.AGREED, "disagree": FlagStatus.DISAGREED, "ignore": FlagStatus.IGNORED}.get(outcome)
    if status is None:
        raise ValidationFailed(_("Unknown decision."))
    _commit_and_fire(_resolve_flags(actor, item, status, _clean(reason) or None))


@dataclass
class BulkResult:
    done: int = 0
    skipped: int = 0


def bulk_review(actor: User, item_ids: Iterable[int], action: str, reason_key: str = "",
                text: str = "") -> BulkResult:
    """Approve or reject many items at once, in one transaction. Approve = publish / admit /
    keep the flagged post; reject = refuse / turn down / uphold the flags. Items another
    moderator claimed, or that the actor may not touch, are skipped."""
    _require_moderator(actor)
    if action not in ("approve", "reject"):
        raise ValidationFailed(_("Unknown decision."))
    ids = sorted({int(i) for i in item_ids})[:200]
    if not ids:
        raise ValidationFailed(_("Select at least one item."))
    if action == "reject" and item_kinds_need_reason(ids):
        _rejection_text(reason_key, text, None)  # validates before anything changes
    items = list(db.session.scalars(select(ReviewItem).options(*_item_options())
                                    .where(ReviewItem.id.in_(ids))).unique())
    result, events = BulkResult(), []
    for item in items:
        try:
            _check_actionable(actor, item)
            if item.kind == ReviewKind.MEMBER:
                events += (_approve_member(actor, item) if action == "approve"
                           else _reject_member(actor, item, reason_key, text))
            elif item.kind == ReviewKind.FLAG:
                events += _resolve_flags(actor, item, FlagStatus.DISAGREED if action == "approve"
                                         else FlagStatus.AGREED, _clean(text) or None)
            else:
                events += (_approve_post(actor, item) if action == "approve"
                           else _reject_post(actor, item, reason_key, text))
        except (ValidationFailed, PermissionDenied, NotFound):
            result.skipped += 1
        else:
            result.done += 1
    result.skipped += len(ids) - len(items)
    _commit_and_fire(events)
    return result


def item_kinds_need_reason(ids: list[int]) -> bool:
    kinds = set(db.session.scalars(select(ReviewItem.kind).where(ReviewItem.id.in_(ids))))
    return bool(kinds & {ReviewKind.TOPIC, ReviewKind.REPLY})


def resubmit_post(author: User, post: Post, body: str, *, title: str | None = None) -> None:
    """The author fixes a rejected post; it goes back to the queue (with its old reason shown)."""
    if not permissions.can_resubmit(author, post):
        raise PermissionDenied()
    previous = post.state_reason or ""
    try:
        _set_state(post, PostState.PENDING, author, None)
        item = _new_post_item(post, ReviewKind.TOPIC if post.post_number == 1 else ReviewKind.REPLY,
                              ReviewReason.RESUBMITTED,
                              f"rejected before: {previous}" if previous else None)
        db.session.flush()
        record_action(author, "post.resubmit", "post", post.id, before={"state": PostState.REJECTED},
                      after={"state": PostState.PENDING, "item": item.id}, reason=previous or None)
        discussions.edit_post(author, post, body, title=title if post.post_number == 1 else None,
                              reason=_stored(lambda: _("Resubmitted after review")))
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise


# --- flags ---------------------------------------------------------------------------------------

def flagger_weight(user_id: int) -> float:
    """See the module docstring: newcomers 1.0, lower as their flags are turned down."""
    rows = dict(db.session.execute(
        select(Flag.status, func.count()).where(Flag.user_id == user_id,
                                                Flag.status.in_([FlagStatus.AGREED, FlagStatus.DISAGREED]))
        .group_by(Flag.status)).all())
    agreed, disagreed = int(rows.get(FlagStatus.AGREED, 0)), int(rows.get(FlagStatus.DISAGREED, 0))
    return round(max(MIN_FLAG_WEIGHT, (agreed + 2) / (agreed + disagreed + 2)), 3)


def flag_post(user: User, post: Post, reason: str, text: str = "") -> Flag:
    if not permissions.can_flag(user, post):
        raise PermissionDenied()
    if reason not in _reason_keys("flag_reasons"):
        raise ValidationFailed({"reason": _("Choose a reason.")})
    text = _clean(text, 1000)
    if reason == "other" and not text:
        raise ValidationFailed({"text": _("Tell the moderators what is wrong.")})
    if db.session.scalar(select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == user.id)):
        raise ValidationFailed(_("You already flagged this post."))
    weight = flagger_weight(user.id)
    item = open_item_for_post(post.id)
    if item is None:
        item = _new_post_item(post, ReviewKind.FLAG, ReviewReason.FLAGS, None)
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
    if threshold > 0 and item.score >= threshold - 1e-9 and post.state == PostState.PUBLISHED:
        item.hidden_by_flags = True
        events += _hide(None, post, f"flags: {item.score:g} >= {threshold:g}")
    try:
        db.session.commit()
    except IntegrityError as exc:  # a double click or a race with another flagger's first flag
        db.session.rollback()
        raise ValidationFailed(_("You already flagged this post, or it was just flagged: please try "
                                 "again.")) from exc
    _fire_all(events)
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


# --- posts from the topic page ---------------------------------------------------------------------

def _post_action_check(actor: User, post: Post) -> None:
    if not permissions.can_act_on_post(actor, post):
        raise PermissionDenied()


def hide_post(actor: User, post: Post, reason: str = "") -> None:
    _post_action_check(actor, post)
    if post.state != PostState.PUBLISHED:
        raise ValidationFailed(_("Only a published post can be hidden."))
    events = _hide(actor, post, _clean(reason) or _stored(lambda: _("Hidden by a moderator.")))
    _close_items_for_post(actor, post, Resolution.AGREED)
    _commit_and_fire(events)


def restore_post(actor: User, post: Post, reason: str = "") -> None:
    """Bring back a hidden or removed post (not one its author withdrew: that is their call)."""
    _post_action_check(actor, post)
    if post.state not in (PostState.HIDDEN, PostState.DELETED) or post.is_withdrawn_by_author:
        raise ValidationFailed(_("This post cannot be restored."))
    events = _restore(actor, post, _clean(reason) or None)
    _close_items_for_post(actor, post, Resolution.DISAGREED)
    _commit_and_fire(events)


def _delete(actor: User, post: Post, reason: str) -> Events:
    if post.state == PostState.DELETED:
        raise ValidationFailed(_("This post was already removed."))
    before = {"state": post.state}
    _set_state(post, PostState.DELETED, actor, reason)
    record_action(actor, "post.delete", "post", post.id, before=before, after={"state": post.state},
                  reason=reason)
    if post.author is not None and post.user_id != actor.id:
        title = _topic_title(post)
        notify(post.author, "post_removed",
               lambda: _("Your post in “%(title)s” was removed by a moderator: %(reason)s", title=title,
                         reason=reason), url=_post_url(post))
    return [("forum_post_deleted", {"post": post, "actor": actor})]


def delete_post(actor: User, post: Post, reason: str = "") -> None:
    """Remove a post (soft delete: the row and its text stay, a moderator can restore it)."""
    _post_action_check(actor, post)
    events = _delete(actor, post, _clean(reason) or _stored(lambda: _("Removed by a moderator.")))
    _close_items_for_post(actor, post, Resolution.DELETED)
    _commit_and_fire(events)


# --- topic tools -------------------------------------------------------------------------------------

def _topic_check(actor: User, topic: Topic) -> None:
    if not permissions.can_act_on_topic(actor, topic):
        raise PermissionDenied()


def _topic_changed(actor: User, topic: Topic, change: str) -> Events:
    return [("forum_topic_changed", {"topic": topic, "actor": actor, "change": change})]


def lock_topic(actor: User, topic: Topic, locked: bool = True, reason: str = "") -> None:
    _topic_check(actor, topic)
    if topic.is_locked == locked:
        raise ValidationFailed(_("Nothing to change."))
    topic.is_locked = locked
    record_action(actor, "topic.lock" if locked else "topic.unlock", "topic", topic.id,
                  before={"locked": not locked}, after={"locked": locked}, reason=_clean(reason) or None)
    _commit_and_fire(_topic_changed(actor, topic, "lock" if locked else "unlock"))


def pin_topic(actor: User, topic: Topic, until: datetime | None = None, reason: str = "") -> None:
    _topic_check(actor, topic)
    if until is not None and until <= utcnow():
        raise ValidationFailed({"until": _("Choose a time in the future.")})
    before = {"pinned": topic.is_pinned, "until": _iso(topic.pinned_until)}
    topic.is_pinned, topic.pinned_until = True, until
    record_action(actor, "topic.pin", "topic", topic.id, before=before,
                  after={"pinned": True, "until": _iso(until)}, reason=_clean(reason) or None)
    _commit_and_fire(_topic_changed(actor, topic, "pin"))


def unpin_topic(actor: User, topic: Topic, reason: str = "") -> None:
    _topic_check(actor, topic)
    if not topic.is_pinned:
        raise ValidationFailed(_("Nothing to change."))
    before = {"pinned": True, "until": _iso(topic.pinned_until)}
    topic.is_pinned, topic.pinned_until = False, None
    record_action(actor, "topic.unpin", "topic", topic.id, before=before, after={"pinned": False},
                  reason=_clean(reason) or None)
    _commit_and_fire(_topic_changed(actor, topic, "unpin"))


def _recount_topic(topic: Topic) -> None:
    """Recompute a topic's counters from its posts (after posts moved in or out)."""
    db.session.flush()
    count, highest = db.session.execute(
        select(func.count(Post.id).filter(Post.state == PostState.PUBLISHED), func.max(Post.post_number))
        .where(Post.topic_id == topic.id)).one()
    topic.post_count = int(count or 0)
    topic.highest_post_number = max(topic.highest_post_number or 0, int(highest or 0))
    last = db.session.execute(
        select(Post.created_at, Post.user_id).where(Post.topic_id == topic.id, Post.state == PostState.PUBLISHED)
        .order_by(Post.created_at.desc(), Post.id.desc()).limit(1)).first()
    if last is not None:
        topic.last_posted_at, topic.last_post_user_id = last[0], last[1]
    _recount_official(topic)
    if topic.solution_post_id and db.session.scalar(
            select(Post.topic_id).where(Post.id == topic.solution_post_id)) != topic.id:
        topic.solution_post_id = None


def _recount_categories(category_ids: Iterable[int]) -> None:
    db.session.flush()
    for cid in set(category_ids):
        category = db.session.get(Category, cid)
        if category is None:
            continue
        category.topic_count = db.session.scalar(select(func.count(Topic.id)).where(
            Topic.category_id == cid, Topic.state == PostState.PUBLISHED)) or 0
        category.post_count = db.session.scalar(
            select(func.count(Post.id)).join(Topic, Topic.id == Post.topic_id)
            .where(Topic.category_id == cid, Post.state == PostState.PUBLISHED)) or 0
        last = db.session.execute(select(Topic.id, Topic.last_posted_at).where(
            Topic.category_id == cid, Topic.state == PostState.PUBLISHED)
            .order_by(Topic.last_posted_at.desc(), Topic.id.desc()).limit(1)).first()
        category.last_topic_id, category.last_posted_at = (last[0], last[1]) if last else (None, None)


def _recount_user_topics(user_ids: Iterable[int | None]) -> None:
    for uid in {u for u in user_ids if u}:
        db.session.execute(update(User).where(User.id == uid).values(topic_count=select(func.count(Topic.id)).where(
            Topic.user_id == uid, Topic.state == PostState.PUBLISHED).scalar_subquery()))


def _move_items(post_ids: list[int], topic: Topic) -> None:
    if post_ids:
        db.session.execute(update(ReviewItem).where(ReviewItem.post_id.in_(post_ids))
                           .values(topic_id=topic.id, category_id=topic.category_id))


def move_topic(actor: User, topic: Topic, category: Category, reason: str = "") -> None:
    _topic_check(actor, topic)
    if category.id == topic.category_id:
        raise ValidationFailed({"category": _("The topic is already in this category.")})
    old_id = topic.category_id
    topic.category = category
    db.session.flush()
    db.session.execute(update(ReviewItem).where(ReviewItem.topic_id == topic.id).values(category_id=category.id))
    _recount_categories([old_id, category.id])
    record_action(actor, "topic.move", "topic", topic.id, before={"category_id": old_id},
                  after={"category_id": category.id}, reason=_clean(reason) or None)
    _commit_and_fire(_topic_changed(actor, topic, "move"))


def _check_title(title: str) -> str:
    title = " ".join(strip_invisible(title or "").split())
    cfg = current_app.config
    if not cfg["MIN_TITLE_LENGTH"] <= len(title) <= cfg["MAX_TITLE_LENGTH"]:
        raise ValidationFailed({"title": _("Use a title of %(lo)d to %(hi)d characters.",
                                           lo=cfg["MIN_TITLE_LENGTH"], hi=cfg["MAX_TITLE_LENGTH"])})
    return title


def _renumber(posts: list[Post], target: Topic, first_number: int) -> dict[int, int]:
    """Give ``posts`` consecutive numbers in ``target``; reply links follow when both moved."""
    mapping = {p.post_number: first_number + i for i, p in enumerate(posts)}
    for i, post in enumerate(posts):
        post.topic = target
        post.post_number = first_number + i
        post.reply_to_post_number = mapping.get(post.reply_to_post_number or -1)
    return mapping


def split_topic(actor: User, topic: Topic, post_ids: Iterable[int], title: str,
                category: Category | None = None, reason: str = "") -> Topic:
    """Move selected replies into a new topic (renumbered from 1; /p/<id> links keep working)."""
    _topic_check(actor, topic)
    ids = {int(i) for i in post_ids}
    posts = list(db.session.scalars(select(Post).where(Post.topic_id == topic.id, Post.id.in_(ids))
                                    .order_by(Post.post_number)))
    if not posts or len(posts) != len(ids):
        raise ValidationFailed({"posts": _("Select the replies to move.")})
    if any(p.post_number == 1 for p in posts):
        raise ValidationFailed({"posts": _("The opening post cannot be split off; move the topic instead.")})
    if posts[0].state != PostState.PUBLISHED:
        raise ValidationFailed({"posts": _("The first selected reply must be published: it opens the new "
                                           "topic.")})
    title = _check_title(title)
    category = category or topic.category
    first = posts[0]
    new = Topic(category=category, user_id=first.user_id, title=title, slug=slugify(title),
                created_at=first.created_at, last_posted_at=first.created_at, last_post_user_id=first.user_id,
                highest_post_number=len(posts), post_count=0, state=PostState.PUBLISHED, language=topic.language)
    db.session.add(new)
    db.session.flush()
    old_numbers = [p.post_number for p in posts]
    _renumber(posts, new, 1)
    _move_items([p.id for p in posts], new)
    _recount_topic(topic)
    _recount_topic(new)
    _recount_categories([topic.category_id, new.category_id])
    _recount_user_topics([new.user_id])
    record_action(actor, "topic.split", "topic", topic.id,
                  before={"topic_id": topic.id, "post_ids": [p.id for p in posts], "post_numbers": old_numbers},
                  after={"topic_id": new.id, "post_numbers": [p.post_number for p in posts]},
                  reason=_clean(reason) or None)
    _commit_and_fire(_topic_changed(actor, topic, "split") + _topic_changed(actor, new, "split"))
    return new


def merge_topic(actor: User, source: Topic, target: Topic, reason: str = "") -> Topic:
    """Append every post of ``source`` to ``target`` (numbered after its last post); the source
    topic is closed as removed. Post ids do not change, so /p/<id> links keep working."""
    _topic_check(actor, source)
    _topic_check(actor, target)
    if source.id == target.id:
        raise ValidationFailed({"target": _("Choose another topic.")})
    posts = list(db.session.scalars(select(Post).where(Post.topic_id == source.id).order_by(Post.post_number)))
    base = target.highest_post_number + 1
    old_state = source.state
    _renumber(posts, target, base)
    target.highest_post_number = base + len(posts) - 1
    source.state = PostState.DELETED
    _move_items([p.id for p in posts], target)
    _recount_topic(source)
    _recount_topic(target)
    _recount_categories([source.category_id, target.category_id])
    _recount_user_topics([source.user_id])
    record_action(actor, "topic.merge", "topic", source.id,
                  before={"topic_id": source.id, "state": old_state, "posts": len(posts)},
                  after={"topic_id": target.id, "first_post_number": base}, reason=_clean(reason) or None)
    _commit_and_fire(_topic_changed(actor, source, "merge") + _topic_changed(actor, target, "merge"))
    return target


def find_topic_ref(ref: str) -> Topic:
    """A topic from an id or a topic URL pasted by a moderator (".../t/slug/123")."""
    ref = (ref or "").strip().split("#")[0].split("?")[0]
    match = re.search(r"(?:/t/[^/\s]+/)?(\d+)(?:/\d+)?/?$", ref)
    topic = db.session.get(Topic, int(match.group(1))) if match else None
    if topic is None:
        raise ValidationFailed({"target": _("No topic with this number or address.")})
    return topic


# --- sanctions -----------------------------------------------------------------------------------

def _user_check(actor: User, user: User) -> None:
    if not permissions.can_act_on_user(actor, user):
        raise PermissionDenied()


def _sanction_reason(reason: str) -> str:
    reason = _clean(reason)
    if not reason:
        raise ValidationFailed({"reason": _("Tell the member why: they will read it.")})
    return reason


def parse_duration(key: str, *, allow_permanent: bool) -> timedelta | None:
    if key not in DURATIONS or (key == "permanent" and not allow_permanent):
        raise ValidationFailed({"duration": _("Choose a duration.")})
    return DURATIONS[key]


def warn_user(actor: User, user: User, reason: str, note: str = "") -> Sanction:
    """An official warning the member must acknowledge before posting again."""
    _user_check(actor, user)
    reason = _sanction_reason(reason)
    sanction = Sanction(user_id=user.id, kind=SanctionKind.WARNING, reason=reason, note=_clean(note) or None,
                        created_by_id=actor.id, created_at=utcnow())
    db.session.add(sanction)
    user.warning_pending = True
    db.session.flush()
    record_action(actor, "user.warn", "user", user.id, after={"sanction": sanction.id}, reason=reason)
    notify(user, "warning", lambda: _("You received an official warning from the moderators: %(reason)s",
                                      reason=reason), url=_url("moderation.my_status", "/moderation/me"),
           email_subject=lambda: _("An official warning from the moderators"))
    db.session.commit()
    return sanction


def acknowledge_warning(user: User, sanction_id: int) -> None:
    sanction = db.session.get(Sanction, sanction_id)
    if sanction is None or sanction.user_id != user.id or sanction.kind != SanctionKind.WARNING:
        raise NotFound()
    if sanction.acknowledged_at is None:
        sanction.acknowledged_at = utcnow()
        record_action(user, "user.acknowledge_warning", "user", user.id, after={"sanction": sanction.id})
    db.session.flush()
    user.warning_pending = bool(db.session.scalar(select(Sanction.id).where(
        Sanction.user_id == user.id, Sanction.kind == SanctionKind.WARNING, Sanction.acknowledged_at.is_(None),
        Sanction.lifted_at.is_(None)).limit(1)))
    db.session.commit()


def silence_user(actor: User, user: User, duration: timedelta, reason: str, note: str = "") -> Sanction:
    """Read-only for a while: the member can read and sign in, not post or flag."""
    _user_check(actor, user)
    reason = _sanction_reason(reason)
    until = utcnow() + duration
    before = {"silenced_until": _iso(user.silenced_until)}
    user.silenced_until = until
    sanction = Sanction(user_id=user.id, kind=SanctionKind.SILENCE, reason=reason, note=_clean(note) or None,
                        created_by_id=actor.id, created_at=utcnow(), expires_at=until)
    db.session.add(sanction)
    db.session.flush()
    record_action(actor, "user.silence", "user", user.id, before=before,
                  after={"silenced_until": _iso(until), "sanction": sanction.id}, reason=reason)
    when = _fmt_until(until)
    notify(user, "silenced", lambda: _("Your account is read-only until %(date)s: %(reason)s", date=when,
                                       reason=reason), url=_url("moderation.my_status", "/moderation/me"))
    db.session.commit()
    return sanction


def suspend_user(actor: User, user: User, duration: timedelta | None, reason: str, note: str = "") -> Sanction:
    """No sign-in for a while, or for good (``duration`` None). Mailed, since they cannot log in."""
    _user_check(actor, user)
    reason = _sanction_reason(reason)
    until = utcnow() + duration if duration is not None else PERMANENT
    before = {"suspended_until": _iso(user.suspended_until)}
    user.suspended_until = until
    sanction = Sanction(user_id=user.id, kind=SanctionKind.SUSPEND, reason=reason, note=_clean(note) or None,
                        created_by_id=actor.id, created_at=utcnow(),
                        expires_at=None if duration is None else until)
    db.session.add(sanction)
    db.session.flush()
    record_action(actor, "user.suspend", "user", user.id, before=before,
                  after={"suspended_until": _iso(until), "sanction": sanction.id}, reason=reason)
    when = _fmt_until(until)
    message = ((lambda: _("Your account is suspended until %(date)s: %(reason)s", date=when, reason=reason))
               if when else (lambda: _("Your account is suspended: %(reason)s", reason=reason)))
    notify(user, "suspended", message, email_subject=lambda: _("Your account was suspended"))
    db.session.commit()
    return sanction


def _lift(actor: User, user: User, kind: SanctionKind, reason: str) -> None:
    now = utcnow()
    for sanction in db.session.scalars(select(Sanction).where(Sanction.user_id == user.id, Sanction.kind == kind,
                                                              Sanction.lifted_at.is_(None))):
        if sanction.is_active(now):
            sanction.lifted_at, sanction.lifted_by_id = now, actor.id


def lift_silence(actor: User, user: User, reason: str = "") -> None:
    _user_check(actor, user)
    if not (user.silenced_until and user.silenced_until > utcnow()):
        raise ValidationFailed(_("This member is not silenced."))
    before = {"silenced_until": _iso(user.silenced_until)}
    user.silenced_until = None
    _lift(actor, user, SanctionKind.SILENCE, reason)
    record_action(actor, "user.unsilence", "user", user.id, before=before, after={"silenced_until": None},
                  reason=_clean(reason) or None)
    notify(user, "unsilenced", lambda: _("You can post again."))
    db.session.commit()


def lift_suspension(actor: User, user: User, reason: str = "") -> None:
    _user_check(actor, user)
    if not (user.suspended_until and user.suspended_until > utcnow()):
        raise ValidationFailed(_("This member is not suspended."))
    before = {"suspended_until": _iso(user.suspended_until)}
    user.suspended_until = None
    _lift(actor, user, SanctionKind.SUSPEND, reason)
    record_action(actor, "user.unsuspend", "user", user.id, before=before, after={"suspended_until": None},
                  reason=_clean(reason) or None)
    notify(user, "unsuspended", lambda: _("Your suspension was lifted: welcome back."),
           email_subject=lambda: _("Your suspension was lifted"))
    db.session.commit()


def pending_warnings(user: User) -> list[Sanction]:
    return list(db.session.scalars(select(Sanction).where(
        Sanction.user_id == user.id, Sanction.kind == SanctionKind.WARNING, Sanction.acknowledged_at.is_(None),
        Sanction.lifted_at.is_(None)).order_by(Sanction.created_at)))


def active_sanction(user: User, kind: SanctionKind) -> Sanction | None:
    """The latest running silence or suspension (for the reason shown to the member)."""
    now = utcnow()
    for sanction in db.session.scalars(select(Sanction).where(
            Sanction.user_id == user.id, Sanction.kind == kind, Sanction.lifted_at.is_(None))
            .order_by(Sanction.created_at.desc()).limit(5)):
        if sanction.is_active(now):
            return sanction
    return None


def suspension_reason(user: User) -> str | None:
    sanction = active_sanction(user, SanctionKind.SUSPEND)
    return sanction.reason if sanction else None


def set_role(actor: User, user: User, role: str) -> None:
    if not permissions.can_change_role(actor, user):
        raise PermissionDenied()
    if role not in set(Role):
        raise ValidationFailed({"role": _("Choose a role.")})
    if role == user.role:
        raise ValidationFailed({"role": _("Nothing to change.")})
    before = {"role": user.role}
    user.role = role
    record_action(actor, "user.role", "user", user.id, before=before, after={"role": role})
    db.session.commit()


# --- member applications ---------------------------------------------------------------------------

def application_questions() -> list[str]:
    return [q for q in (get_setting("application_questions") or []) if isinstance(q, str) and q.strip()]


def answers_from_form(form: Any) -> dict[str, str]:
    """The registration form's answers (fields answer_0..n), keyed by question."""
    return {q: _clean(form.get(f"answer_{i}", ""), 2000) for i, q in enumerate(application_questions())}


def queue_application(user: User, answers: dict[str, str] | None, reason: str | None = None) -> ReviewItem:
    """Stage a member application in the registration transaction (the caller commits)."""
    item = ReviewItem(kind=ReviewKind.MEMBER, status=ReviewStatus.OPEN, reason_code=ReviewReason.APPLICATION,
                      user_id=user.id,
                      reason=reason or None, created_at=utcnow(), updated_at=utcnow(),
                      data={"answers": [[q, a] for q, a in (answers or {}).items()]})
    db.session.add(item)
    return item


def has_open_application(user: Any) -> bool:
    return bool(user.is_authenticated and db.session.scalar(select(ReviewItem.id).where(
        ReviewItem.user_id == user.id, ReviewItem.kind == ReviewKind.MEMBER,
        ReviewItem.status == ReviewStatus.OPEN).limit(1)))


def _approve_member(actor: User, item: ReviewItem) -> Events:
    user = item.user
    if user is None:
        raise NotFound()
    user.approved_at = utcnow()
    _resolve(item, actor, Resolution.APPROVED)
    record_action(actor, "user.approve", "user", user.id, before={"approved_at": None},
                  after={"approved_at": _iso(user.approved_at)})
    notify(user, "application_approved", lambda: _("Welcome! Your membership was approved: you can post now."),
           email_subject=lambda: _("Your membership was approved"))
    return []


def _reject_member(actor: User, item: ReviewItem, reason_key: str, text: str) -> Events:
    user = item.user
    if user is None:
        raise NotFound()
    reason = _rejection_text(reason_key, text, user) if (reason_key or text) else ""
    _resolve(item, actor, Resolution.REJECTED)
    record_action(actor, "user.reject", "user", user.id, after={"approved_at": None}, reason=reason or None)
    notify(user, "application_rejected",
           (lambda: _("Your membership application was not accepted: %(reason)s", reason=reason)) if reason
           else (lambda: _("Your membership application was not accepted.")),
           email_subject=lambda: _("About your membership application"))
    return []


# --- registration bans -------------------------------------------------------------------------------

DOMAIN_RE = re.compile(r"^(?=.{3,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$")


def normalise_ban(kind: str, value: str) -> str:
    value = (value or "").strip().lower()
    if kind == BanKind.EMAIL_DOMAIN:
        value = value.lstrip("@*.").rstrip(".")
        try:
            value = value.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise ValidationFailed({"value": _("This is not a valid domain.")}) from exc
        if not DOMAIN_RE.match(value):
            raise ValidationFailed({"value": _("This is not a valid domain.")})
        return value
    if kind == BanKind.IP_RANGE:
        try:
            return str(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ValidationFailed({"value": _("Use an address or a range like 203.0.113.0/24.")}) from exc
    raise ValidationFailed({"kind": _("Choose what to ban.")})


def add_ban(actor: User, kind: str, value: str, reason: str = "") -> RegistrationBan:
    if not permissions.can_manage_bans(actor):
        raise PermissionDenied()
    value = normalise_ban(kind, value)
    if db.session.scalar(select(RegistrationBan.id).where(RegistrationBan.kind == kind, RegistrationBan.value == value,
                                                          RegistrationBan.lifted_at.is_(None))):
        raise ValidationFailed({"value": _("This is already banned.")})
    ban = RegistrationBan(kind=kind, value=value, reason=_clean(reason) or None, created_by_id=actor.id,
                          created_at=utcnow())
    db.session.add(ban)
    db.session.flush()
    record_action(actor, "ban.add", "ban", ban.id, after={"kind": kind, "value": value}, reason=ban.reason)
    db.session.commit()
    return ban


def lift_ban(actor: User, ban_id: int, reason: str = "") -> None:
    if not permissions.can_manage_bans(actor):
        raise PermissionDenied()
    ban = db.session.get(RegistrationBan, ban_id)
    if ban is None or ban.lifted_at is not None:
        raise NotFound()
    ban.lifted_at, ban.lifted_by_id = utcnow(), actor.id
    record_action(actor, "ban.lift", "ban", ban.id, before={"kind": ban.kind, "value": ban.value},
                  reason=_clean(reason) or None)
    db.session.commit()


def active_bans(user: Any) -> list[RegistrationBan]:
    if not permissions.can_manage_bans(user):
        raise PermissionDenied()
    return list(db.session.scalars(select(RegistrationBan).options(joinedload(RegistrationBan.created_by))
                                   .where(RegistrationBan.lifted_at.is_(None))
                                   .order_by(RegistrationBan.kind, RegistrationBan.value)))


def registration_ban(email: str, ip: str | None) -> RegistrationBan | None:
    """The ban matching an email's domain (or a parent domain) or an IP, if any."""
    domain = email.rpartition("@")[2].strip().lower().rstrip(".")
    with contextlib.suppress(UnicodeError):
        domain = domain.encode("idna").decode("ascii")
    address = None
    try:
        address = ipaddress.ip_address((ip or "").strip()) if ip else None
    except ValueError:
        address = None
    bans = db.session.scalars(select(RegistrationBan).where(RegistrationBan.lifted_at.is_(None)))
    for ban in bans:
        if ban.kind == BanKind.EMAIL_DOMAIN and domain and (domain == ban.value or domain.endswith("." + ban.value)):
            return ban
        if ban.kind == BanKind.IP_RANGE and address is not None:
            network = ipaddress.ip_network(ban.value, strict=False)
            if address.version == network.version and address in network:
                return ban
    return None


# --- staff notes -----------------------------------------------------------------------------------

def add_staff_note(actor: User, user: User, body: str) -> StaffNote:
    if not permissions.can_note_user(actor, user):
        raise PermissionDenied()
    body = (body or "").strip()[:5000]
    if not strip_invisible(body).strip():
        raise ValidationFailed({"body": _("Write the note.")})
    note = StaffNote(user_id=user.id, author_id=actor.id, body=body, created_at=utcnow())
    db.session.add(note)
    db.session.flush()
    record_action(actor, "user.note", "user", user.id, after={"note": note.id})
    db.session.commit()
    return note


@dataclass
class MemberRecord:
    """What moderators see about a member on their profile."""

    notes: list[StaffNote]
    sanctions: list[Sanction]
    flags_agreed: int
    flags_disagreed: int
    weight: float


def member_record(viewer: Any, user: User) -> MemberRecord:
    if not permissions.can_moderate(viewer):
        raise PermissionDenied()
    notes = list(db.session.scalars(select(StaffNote).options(joinedload(StaffNote.author))
                                    .where(StaffNote.user_id == user.id).order_by(StaffNote.created_at.desc())))
    sanctions = list(db.session.scalars(select(Sanction).options(joinedload(Sanction.created_by))
                                        .where(Sanction.user_id == user.id).order_by(Sanction.created_at.desc())
                                        .limit(50)))
    rows = dict(db.session.execute(select(Flag.status, func.count()).where(Flag.user_id == user.id)
                                   .group_by(Flag.status)).all())
    agreed, disagreed = int(rows.get(FlagStatus.AGREED, 0)), int(rows.get(FlagStatus.DISAGREED, 0))
    return MemberRecord(notes=notes, sanctions=sanctions, flags_agreed=agreed, flags_disagreed=disagreed,
                        weight=round(max(MIN_FLAG_WEIGHT, (agreed + 2) / (agreed + disagreed + 2)), 3))


# --- ignoring members ------------------------------------------------------------------------------

def ignore_user(user: User, target: User) -> None:
    if not permissions.can_ignore(user, target):
        raise PermissionDenied()
    if target.id in ignored_user_ids(user):
        return
    db.session.add(IgnoredUser(user_id=user.id, ignored_user_id=target.id, created_at=utcnow()))
    try:
        db.session.commit()
    except IntegrityError:  # already ignored (double click)
        db.session.rollback()
    if has_request_context():
        g.pop("moderation_ignored", None)


def unignore_user(user: User, target: User) -> None:
    if not user.is_authenticated:
        raise PermissionDenied()
    # An ignore is the member's own preference, not moderation content: removing it is fine.
    db.session.execute(IgnoredUser.__table__.delete().where(IgnoredUser.user_id == user.id,
                                                            IgnoredUser.ignored_user_id == target.id))
    db.session.commit()
    if has_request_context():
        g.pop("moderation_ignored", None)


def ignored_user_ids(viewer: Any) -> set[int]:
    """Ids the viewer ignores: one query per request, whatever the page shows."""
    if not viewer.is_authenticated:
        return set()
    if has_request_context() and "moderation_ignored" in g:
        return set(g.moderation_ignored)
    ids = set(db.session.scalars(select(IgnoredUser.ignored_user_id).where(IgnoredUser.user_id == viewer.id)))
    if has_request_context():
        g.moderation_ignored = ids
    return ids


# --- the audit log ------------------------------------------------------------------------------------

@dataclass
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: int | None = None
    since: date | None = None
    until: date | None = None

    def as_args(self) -> dict[str, Any]:
        return {k: v for k, v in (("actor", self.actor), ("action", self.action),
                                  ("target_type", self.target_type), ("target_id", self.target_id),
                                  ("since", self.since.isoformat() if self.since else None),
                                  ("until", self.until.isoformat() if self.until else None)) if v}


@dataclass
class AuditPage:
    entries: list[AuditLog]
    next_before: int | None
    unknown_actor: bool = False


def _audit_query(filters: AuditFilters) -> Any:
    query = select(AuditLog).options(joinedload(AuditLog.actor))
    if filters.actor:
        from forum.accounts.services import find_by_username

        actor = find_by_username(filters.actor)
        query = query.where(AuditLog.actor_id == (actor.id if actor else -1))
    if filters.action:
        # "post" matches every post.* action; "post.hide" exactly that one.
        action = filters.action.strip()
        query = query.where(or_(AuditLog.action == action, AuditLog.action.like(action.replace("%", "") + ".%")))
    if filters.target_type:
        query = query.where(AuditLog.target_type == filters.target_type.strip())
    if filters.target_id is not None:
        query = query.where(AuditLog.target_id == filters.target_id)
    if filters.since:
        query = query.where(AuditLog.created_at >= datetime.combine(filters.since, time.min, UTC))
    if filters.until:
        query = query.where(AuditLog.created_at < datetime.combine(filters.until + timedelta(days=1), time.min, UTC))
    return query


def audit_page(viewer: Any, filters: AuditFilters, before: int | None = None) -> AuditPage:
    """Newest first, keyset-paginated by id (as fast on the last page as on the first)."""
    if not permissions.can_view_audit_log(viewer):
        raise PermissionDenied()
    query = _audit_query(filters)
    if before:
        query = query.where(AuditLog.id < before)
    rows = list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(AUDIT_PAGE_SIZE + 1)))
    next_before = rows[AUDIT_PAGE_SIZE - 1].id if len(rows) > AUDIT_PAGE_SIZE else None
    return AuditPage(entries=rows[:AUDIT_PAGE_SIZE], next_before=next_before)


def audit_csv(viewer: Any, filters: AuditFilters, batch: int = 500) -> Iterator[str]:
    """Every matching entry as CSV lines, read in keyset batches (constant memory)."""
    if not permissions.can_view_audit_log(viewer):
        raise PermissionDenied()
    import json

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "created_at", "actor", "action", "target_type", "target_id", "before", "after",
                     "reason", "ip_address"])
    yield buffer.getvalue()
    before: int | None = None
    while True:
        query = _audit_query(filters)
        if before is not None:
            query = query.where(AuditLog.id < before)
        rows = list(db.session.scalars(query.order_by(AuditLog.id.desc()).limit(batch)))
        if not rows:
            return
        buffer.seek(0)
        buffer.truncate()
        for e in rows:
            writer.writerow([e.id, e.created_at.isoformat(), e.actor.username if e.actor else "", e.action,
                             e.target_type, e.target_id if e.target_id is not None else "",
                             json.dumps(e.before, ensure_ascii=False) if e.before is not None else "",
                             json.dumps(e.after, ensure_ascii=False) if e.after is not None else "",
                             _csv_safe(e.reason or ""), e.ip_address or ""])
        yield buffer.getvalue()
        before = rows[-1].id


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ is a formula in spreadsheets: neutralise it.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


# --- settings --------------------------------------------------------------------------------------

SETTING_KEYS = ("first_posts_need_approval", "flags_to_hide", "approve_members", "claim_minutes",
                "flag_reasons", "rejection_reasons", "application_questions")


def moderation_settings() -> dict[str, Any]:
    return {key: get_setting(key) for key in SETTING_KEYS}


def save_settings(actor: User, values: dict[str, Any]) -> None:
    if not permissions.can_manage_settings(actor):
        raise PermissionDenied()
    clean: dict[str, Any] = {}
    for key in ("first_posts_need_approval", "flags_to_hide", "claim_minutes"):
        try:
            number = int(values.get(key) or 0)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 1000 or (key == "claim_minutes" and number < 1):
            raise ValidationFailed({key: _("Use a whole number between %(lo)d and 1000.",
                                           lo=1 if key == "claim_minutes" else 0)})
        clean[key] = number
    clean["approve_members"] = bool(values.get("approve_members"))
    for key in ("flag_reasons", "rejection_reasons", "application_questions"):
        raw = values.get(key) or []
        lines = raw.splitlines() if isinstance(raw, str) else list(raw)
        clean[key] = [_clean(line, 300) for line in lines if _clean(line, 300)][:30]
    if not clean["flag_reasons"]:
        raise ValidationFailed({"flag_reasons": _("Keep at least one reason.")})
    before = moderation_settings()
    changed = {k: v for k, v in clean.items() if before.get(k) != v}
    if not changed:
        return
    for key, value in changed.items():
        set_setting(key, value)
    record_action(actor, "settings.moderation", "settings", None,
                  before={k: before.get(k) for k in changed}, after=changed)
    db.session.commit()


def moderator_categories(user: Any) -> list[Category]:
    """Categories for move/split/filter selects (one query, cached for the request)."""
    if not permissions.can_moderate(user):
        return []
    if has_request_context() and "moderation_categories" in g:
        return list(g.moderation_categories)
    rows = list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))
    if has_request_context():
        g.moderation_categories = rows
    return rows

