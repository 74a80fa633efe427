"""Trust levels at work: thresholds, the periodic recount and promotions, staff's hand, demotions.

The rule of what a level *allows* is accounts' (:mod:`forum.accounts.trust`); this module
decides who *reaches* which level.

* **Counters** (columns of ``users``), recomputed by :func:`refresh_trust_levels` with a few
  aggregate statements whatever the number of posts: ``days_visited`` (a day counts when the
  member was seen on it: ``last_seen_at`` is read each hour, so a day is counted once),
  ``posts_read`` (the sum of ``topic_members.last_read_post_number``: posts read, as far as
  the forum records reading), ``topics_entered`` (topics with something read), ``flags_agreed``
  (the member's flags moderators upheld); ``likes_received`` is discussions' own counter.
* **Promotion**: a member (role member, not staff, level not locked) reaches basic, member and
  regular when every threshold of that level is met (Admin -> Trust levels; 0 switches a
  criterion off). Automatic changes only promote; one notice per level ever (dedupe key), one
  audit entry per promotion. Running it twice changes nothing the second time.
* **Staff's hand**: moderators set any level, leader included, and lock it (no automatic
  change) or unlock it; audited.
* **Demotion**: ``trust_demotion_sanctions`` sanctions within ``trust_demotion_window_days``
  drop the member to *new*, locked for ``trust_demotion_lock_days`` (in the sanction's
  transaction, through moderation's SanctionListener).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, false, func, insert, or_, select, true, update

from forum.accounts.models import User, staff_clause
from forum.accounts.states import reading_member_clause
from forum.accounts.trust import EARNED, TrustLevel, is_locked, level_name
from forum.audit import record_action
from forum.audit.models import AuditLog
from forum.db_types import utcnow
from forum.discussions.models import TopicMember
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.moderation.models import Flag, FlagStatus, Sanction
from forum.notifications import NotificationKind
from forum.notifications.kinds import Params
from forum.notifications.services import NewNotice, notify_all
from forum.settings import get_setting, save_changed

from . import permissions

CRITERIA = ("days_visited", "posts_read", "topics_entered", "likes_received", "flags_agreed", "days_since_joined")
LEVEL_KEYS = {TrustLevel.BASIC: "basic", TrustLevel.MEMBER: "member", TrustLevel.REGULAR: "regular"}

# Discourse-like defaults (its TL1 / TL2 / TL3, with the criteria this forum records).
THRESHOLD_DEFAULTS: dict[TrustLevel, dict[str, int]] = {
    TrustLevel.BASIC: {"days_visited": 1, "posts_read": 30, "topics_entered": 5, "likes_received": 0,
                       "flags_agreed": 0, "days_since_joined": 0},
    TrustLevel.MEMBER: {"days_visited": 15, "posts_read": 100, "topics_entered": 20, "likes_received": 1,
                        "flags_agreed": 0, "days_since_joined": 0},
    TrustLevel.REGULAR: {"days_visited": 50, "posts_read": 500, "topics_entered": 100, "likes_received": 20,
                         "flags_agreed": 0, "days_since_joined": 50},
}
MAX_THRESHOLD = 1_000_000


def setting_key(level: TrustLevel, criterion: str) -> str:
    return f"trust_{LEVEL_KEYS[level]}_{criterion}"


DEFAULTS: dict[str, Any] = {
    **{setting_key(level, c): value for level, values in THRESHOLD_DEFAULTS.items() for c, value in values.items()},
    "trust_demotion_sanctions": 2,      # sanctions ...
    "trust_demotion_window_days": 90,   # ... within these days drop the member to "new" ...
    "trust_demotion_lock_days": 90,     # ... held there this long (0 for the sanctions: never demote)
}

CRITERION_LABELS = {
    "days_visited": _l("Days visited"), "posts_read": _l("Posts read"), "topics_entered": _l("Topics entered"),
    "likes_received": _l("Likes received"), "flags_agreed": _l("Flags agreed by moderators"),
    "days_since_joined": _l("Days since joining"),
}

# One hourly run counts the day of a visit; a visit seen late yesterday is still counted after midnight.
_DAY = timedelta(days=1)


def _promoted_message(p: Params) -> str:
    return _("Your trust level is now “%(level)s”: thank you for taking part in this community!",
             level=level_name(int(p["level"])))


PROMOTED = NotificationKind("trust_promoted", _promoted_message,
                            lambda p: _("Your trust level: %(level)s", level=level_name(int(p["level"]))),
                            default_delivery="app", label=_l("My trust level goes up"))


def thresholds(level: TrustLevel) -> dict[str, int]:
    return {c: int(get_setting(setting_key(level, c)) or 0) for c in CRITERIA}


# --- the recount -------------------------------------------------------------------------------

def _start_of_day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def _count_visits(now: datetime) -> None:
    """One more day visited for members seen today (or yesterday) whose last counted visit is
    older than that day: two UPDATEs, idempotent within a day."""
    today = _start_of_day(now)
    for start, end in ((today - _DAY, today), (today, today + _DAY)):
        db.session.execute(update(User).where(
            User.last_seen_at >= start, User.last_seen_at < end,
            or_(User.visit_counted_at.is_(None), User.visit_counted_at < start))
            .values(days_visited=User.days_visited + 1, visit_counted_at=User.last_seen_at)
            .execution_options(synchronize_session=False))


def _recount(since: datetime | None) -> None:
    """posts_read, topics_entered, flags_agreed from their tables (correlated aggregates, one
    UPDATE), for members seen since ``since`` (None: everyone)."""
    read = select(func.coalesce(func.sum(TopicMember.last_read_post_number), 0)).where(
        TopicMember.user_id == User.id).scalar_subquery()
    entered = select(func.count()).select_from(TopicMember).where(
        TopicMember.user_id == User.id, TopicMember.last_read_post_number > 0).scalar_subquery()
    agreed = select(func.count()).select_from(Flag).where(
        Flag.user_id == User.id, Flag.status == FlagStatus.AGREED).scalar_subquery()
    statement = update(User).values(posts_read=read, topics_entered=entered, flags_agreed=agreed)
    if since is not None:
        statement = statement.where(User.last_seen_at >= since)
    db.session.execute(statement.execution_options(synchronize_session=False))


def _meets(level: TrustLevel, now: datetime) -> list[Any]:
    limits = thresholds(level)
    columns = {"days_visited": User.days_visited, "posts_read": User.posts_read,
               "topics_entered": User.topics_entered, "likes_received": User.likes_received,
               "flags_agreed": User.flags_agreed}
    conditions = [columns[c] >= limits[c] for c in columns if limits[c]]
    if limits["days_since_joined"]:
        conditions.append(User.created_at <= now - timedelta(days=limits["days_since_joined"]))
    return conditions


def _unlocked(now: datetime) -> Any:
    return or_(User.trust_level_locked == false(),
               and_(User.trust_level_locked_until.is_not(None), User.trust_level_locked_until <= now))


@dataclass(frozen=True)
class RefreshResult:
    promoted: dict[int, int]  # user id -> new level


def refresh_trust_levels(*, full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Recount and promote (the periodic job; ``full`` recounts every member, not only those
    seen in the last two days). Commits. Idempotent."""
    now = now or utcnow()
    _count_visits(now)
    _recount(None if full else now - 2 * _DAY)
    # Locks that ran out (a demotion's period) stop holding the level.
    db.session.execute(update(User).where(User.trust_level_locked == true(), User.trust_level_locked_until <= now)
                       .values(trust_level_locked=False, trust_level_locked_until=None)
                       .execution_options(synchronize_session=False))
    promoted: dict[int, int] = {}
    for level in reversed(EARNED):  # the highest level a member qualifies for wins
        ids = db.session.scalars(select(User.id).where(
            ~staff_clause(), User.trust_level < level, reading_member_clause(now), _unlocked(now), *_meets(level, now),
            *[ok for lower in EARNED if lower < level for ok in _meets(lower, now)])).all()
        for user_id in ids:
            promoted.setdefault(user_id, int(level))
    _promote(promoted)
    db.session.commit()
    return RefreshResult(promoted)


def _promote(promoted: dict[int, int]) -> None:
    """One UPDATE per level, the audit entries in one multi-row INSERT, the notices through
    notify_all (bounded statements): a first run on an old forum promotes thousands at once."""
    if not promoted:
        return
    users = db.session.scalars(select(User).where(User.id.in_(promoted))).all()
    db.session.execute(insert(AuditLog), [
        {"actor_id": None, "action": "trust.promote", "target_type": "user", "target_id": user.id,
         "before": {"trust_level": user.trust_level}, "after": {"trust_level": promoted[user.id]}}
        for user in users])
    for level in set(promoted.values()):
        db.session.execute(update(User).where(User.id.in_([i for i, v in promoted.items() if v == level]))
                           .values(trust_level=level).execution_options(synchronize_session=False))
    notify_all([NewNotice(user, PROMOTED, {"level": promoted[user.id]}, url=None,
                          dedupe_key=f"trust:{promoted[user.id]}") for user in users])
    for user in users:  # the loaded rows say what the table says now
        db.session.expire(user, ["trust_level"])


# --- staff's hand ------------------------------------------------------------------------------

def set_trust_level(actor: Any, user: User, level: int, *, locked: bool, reason: str = "") -> None:
    """Staff set a member's level (leader only this way) and lock or unlock it; audited."""
    if not permissions.can_set_trust_level(actor, user):
        raise PermissionDenied()
    if level not in {int(v) for v in TrustLevel}:
        raise ValidationFailed({"level": _("Choose a trust level.")})
    before = {"trust_level": user.trust_level, "trust_level_locked": bool(user.trust_level_locked)}
    user.trust_level = level
    user.trust_level_locked = locked
    user.trust_level_locked_until = None
    record_action(actor, "trust.set", "user", user.id, before=before,
                  after={"trust_level": level, "trust_level_locked": locked},
                  reason=(reason or "").strip()[:500] or None)
    db.session.commit()


# --- demotion for repeated sanctions -----------------------------------------------------------

class DemoteOnSanctions:
    """moderation's SanctionListener: the N-th sanction within the window drops the member to
    *new*, locked for a while. Runs in the sanction's transaction (the caller commits)."""

    def sanctioned(self, actor: Any, user: Any, sanction: Any) -> None:
        needed = int(get_setting("trust_demotion_sanctions") or 0)
        if not needed:
            return
        now = utcnow()
        since = now - timedelta(days=int(get_setting("trust_demotion_window_days") or 0))
        db.session.flush()
        count = int(db.session.scalar(select(func.count()).select_from(Sanction).where(
            Sanction.user_id == user.id, Sanction.created_at >= since)) or 0)
        if count < needed:
            return
        days = int(get_setting("trust_demotion_lock_days") or 0)
        until = now + timedelta(days=days) if days else None
        before = {"trust_level": user.trust_level, "trust_level_locked": bool(user.trust_level_locked)}
        user.trust_level = int(TrustLevel.NEW)
        user.trust_level_locked = True
        user.trust_level_locked_until = until
        record_action(actor, "trust.demote", "user", user.id, before=before,
                      after={"trust_level": 0, "trust_level_locked": True,
                             "trust_level_locked_until": until.isoformat() if until else None},
                      reason=_("%(n)d sanctions in %(days)d days", n=count,
                               days=int(get_setting("trust_demotion_window_days") or 0)))


# --- admin settings ----------------------------------------------------------------------------

def save_thresholds(admin: Any, values: dict[str, int]) -> None:
    """Admin -> Trust levels: every threshold and the demotion rule; audited (before/after)."""
    if not permissions.can_configure(admin):
        raise PermissionDenied()
    errors = {key: _("Between 0 and %(n)d.", n=MAX_THRESHOLD) for key, value in values.items()
              if key not in DEFAULTS or not 0 <= int(value) <= MAX_THRESHOLD}
    if errors:
        raise ValidationFailed(errors)
    save_changed(admin, "settings.trust_levels", {key: int(value) for key, value in values.items()})
    db.session.commit()


def lock_state(user: Any) -> dict[str, Any]:
    """For the profile: the level's name and whether it is held."""
    return {"level": int(user.trust_level or 0), "name": level_name(int(user.trust_level or 0)),
            "locked": is_locked(user), "locked_until": user.trust_level_locked_until}


def set_directory_listing(user: Any, show: bool) -> None:
    """The member's own choice: listed in the member directory or not (their preference, not audited)."""
    if not permissions.can_choose_listing(user):
        raise PermissionDenied()
    user.show_in_directory = show
    db.session.commit()
