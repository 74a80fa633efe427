"""Staff identity rules: groups and badges, memberships, expert badges, staff profiles,
accepted answers, and staff response times.

Every write: permission -> validation -> write (+ audit entry) -> commit -> hooks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import floor
from typing import Any

from flask import current_app, has_request_context
from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, cast, func, literal, or_, select, tuple_
from sqlalchemy.orm import joinedload, selectinload

from forum.accounts.models import Role, User
from forum.db_types import UTCDateTime, utcnow
from forum.discussions import permissions as discussion_permissions
from forum.discussions.models import Category, Post, PostState, Topic
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.plugins import Draft, FilterContext, VerdictKind
from forum.plugins.manager import fire, run_filters
from forum.text import strip_invisible

from . import permissions
from .colors import HEX_COLOR
from .models import ExpertBadge, StaffGroup, StaffMembership

DEFAULT_GROUP_COLOR = "#2f5d8a"
DEFAULT_EXPERT_LABEL = "Expert"


# --- eager loads (registered in app.extensions by the blueprint) ------------------------------

def post_author_badges_option() -> Any:
    """Badges of every post's author: two queries per page whatever the number of posts."""
    return joinedload(Post.author).selectinload(User.staff_memberships).joinedload(StaffMembership.group)


def post_author_experts_option() -> Any:
    return joinedload(Post.author).selectinload(User.expert_badges)


def topic_last_poster_badges_option() -> Any:
    return joinedload(Topic.last_poster).selectinload(User.staff_memberships).joinedload(StaffMembership.group)


def topic_last_poster_experts_option() -> Any:
    return joinedload(Topic.last_poster).selectinload(User.expert_badges)


def badge_load_options() -> list[Any]:
    """For lists of users (member list, profile)."""
    return [selectinload(User.staff_memberships).joinedload(StaffMembership.group),
            selectinload(User.expert_badges)]


# --- presentation helpers (templates; they read loaded relationships) --------------------------

def memberships_of(user: Any) -> list[StaffMembership]:
    # The denormalised flag spares a query for the many users who are not staff.
    if user is None or not getattr(user, "is_staff_member", False):
        return []
    return list(user.staff_memberships)


def primary_group(user: Any) -> StaffGroup | None:
    memberships = memberships_of(user)
    for m in memberships:
        if m.is_primary:
            return m.group
    return memberships[0].group if memberships else None


def staff_groups(user: Any) -> list[StaffGroup]:
    """Primary first."""
    return [m.group for m in sorted(memberships_of(user), key=lambda m: (not m.is_primary, m.id))]


def expert_badges(user: Any) -> list[ExpertBadge]:
    if user is None or not getattr(user, "id", None):
        return []
    return list(user.expert_badges)


def staff_title(user: Any) -> str | None:
    """The personal title, else the primary group's default title."""
    if user is None or not getattr(user, "is_staff_member", False):
        return None
    group = primary_group(user)
    return user.title or (group.default_title if group else None)


def initials_for(user: Any) -> str:
    if user.signature_initials:
        return str(user.signature_initials)
    letters = [w[0] for w in (user.display_name or user.username or "?").split() if w[:1].isalpha()]
    return "".join(letters[:3]).upper() or "?"


def sign_off(user: Any, fallback_group: str) -> str:
    """"— GR, Customer Care": the author's initials and their primary group."""
    group = primary_group(user)
    return f"— {initials_for(user)}, {group.name if group else fallback_group}"


# --- staff groups -------------------------------------------------------------------------------

def _require_manager(user: Any) -> None:
    if not permissions.can_manage_staff(user):
        raise PermissionDenied()


def _audit(actor: Any, action: str, target_type: str, target_id: int | None, **kwargs: Any) -> None:
    from forum.audit import record_action

    record_action(actor, action, target_type, target_id, **kwargs)


def _one_line(value: str | None) -> str:
    return " ".join(strip_invisible(value or "").split())


def list_groups() -> list[tuple[StaffGroup, int]]:
    """Every group with its member count, in one query."""
    counts = (select(StaffMembership.group_id, func.count().label("n"))
              .group_by(StaffMembership.group_id).subquery())
    rows = db.session.execute(
        select(StaffGroup, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.group_id == StaffGroup.id)
        .order_by(StaffGroup.position, StaffGroup.name)).all()
    return [(group, int(n)) for group, n in rows]


def get_group(group_id: int) -> StaffGroup:
    group = db.session.get(StaffGroup, group_id)
    if group is None:
        raise NotFound()
    return group


def group_members(group: StaffGroup) -> list[StaffMembership]:
    return list(db.session.scalars(
        select(StaffMembership).options(joinedload(StaffMembership.user))
        .where(StaffMembership.group_id == group.id)
        .join(User, User.id == StaffMembership.user_id).order_by(User.username_canonical)))


def _group_snapshot(group: StaffGroup) -> dict[str, Any]:
    return {"name": group.name, "label": group.label, "color": group.color, "icon": group.icon,
            "default_title": group.default_title, "position": group.position}


def _clean_group(data: dict[str, Any], group: StaffGroup | None) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = _one_line(data.get("name"))
    if not name:
        errors["name"] = _("Please enter a name.")
    elif len(name) > 64:
        errors["name"] = _("Please keep it under %(n)d characters.", n=64)
    else:
        clash = db.session.scalar(select(StaffGroup.id).where(func.lower(StaffGroup.name) == name.lower(),
                                                              StaffGroup.id != (group.id if group else -1)))
        if clash:
            errors["name"] = _("Another staff group already has this name.")
    label = _one_line(data.get("label")) or name[:32]
    if len(label) > 32:
        errors["label"] = _("Please keep it under %(n)d characters.", n=32)
    color = (data.get("color") or DEFAULT_GROUP_COLOR).strip().lower()
    if not HEX_COLOR.match(color):
        errors["color"] = _("Use a colour like #2f5d8a.")
    icon = _one_line(data.get("icon")) or None
    if icon and len(icon) > 8:
        errors["icon"] = _("An icon is one or two characters, such as an emoji.")
    default_title = _one_line(data.get("default_title")) or None
    if default_title and len(default_title) > 64:
        errors["default_title"] = _("Please keep it under %(n)d characters.", n=64)
    if errors:
        raise ValidationFailed(errors)
    position = data.get("position")
    return {"name": name, "label": label, "color": color, "icon": icon, "default_title": default_title,
            "position": int(position) if position is not None else (group.position if group else 0)}


def save_group(admin: User, group: StaffGroup | None, data: dict[str, Any]) -> StaffGroup:
    """Create (``group=None``) or update a staff group and its badge."""
    _require_manager(admin)
    values = _clean_group(data, group)
    before = _group_snapshot(group) if group else None
    if group is None:
        group = StaffGroup()
        db.session.add(group)
    for key, value in values.items():
        setattr(group, key, value)
    db.session.flush()
    _audit(admin, "staff_group.update" if before else "staff_group.create", "staff_group", group.id,
           before=before, after=_group_snapshot(group))
    db.session.commit()
    return group


def delete_group(admin: User, group: StaffGroup) -> None:
    """Members lose the badge (and, without another group, their staff status)."""
    _require_manager(admin)
    users = [m.user for m in group_members(group)]
    snapshot = _group_snapshot(group)
    group_id = group.id
    db.session.execute(db.delete(StaffMembership).where(StaffMembership.group_id == group_id))
    db.session.delete(group)
    db.session.flush()
    for user in users:
        db.session.expire(user, ["staff_memberships"])
        _sync_staff_flag(user)
    _audit(admin, "staff_group.delete", "staff_group", group_id, before=snapshot)
    db.session.commit()


# --- memberships --------------------------------------------------------------------------------

def _sync_staff_flag(user: User) -> None:
    """Keep ``User.is_staff_member`` (denormalised) and the one-primary rule true. Caller commits."""
    memberships = list(db.session.scalars(select(StaffMembership).where(StaffMembership.user_id == user.id)
                                          .order_by(StaffMembership.id)))
    user.is_staff_member = bool(memberships)
    primaries = [m for m in memberships if m.is_primary]
    if memberships and len(primaries) != 1:
        keep = primaries[0] if primaries else memberships[0]
        for m in memberships:
            m.is_primary = m is keep
    db.session.expire(user, ["staff_memberships"])


def find_user(username: str) -> User:
    from forum.accounts.services import find_by_username

    user = find_by_username((username or "").strip().lstrip("@"))
    if user is None:
        raise ValidationFailed({"username": _("No member has this username.")})
    return user


def add_member(admin: User, group: StaffGroup, user: User, *, primary: bool = False) -> StaffMembership:
    _require_manager(admin)
    membership = _add_membership(group, user, primary=primary)
    if membership is None:
        raise ValidationFailed({"username": _("%(name)s is already in this group.", name=user.username)})
    _audit(admin, "staff.member_add", "user", user.id, after={"group": group.name, "primary": membership.is_primary})
    db.session.commit()
    return membership


def _add_membership(group: StaffGroup, user: User, *, primary: bool) -> StaffMembership | None:
    exists = db.session.scalar(select(StaffMembership.id).where(StaffMembership.user_id == user.id,
                                                                StaffMembership.group_id == group.id))
    if exists:
        return None
    has_any = db.session.scalar(select(StaffMembership.id).where(StaffMembership.user_id == user.id).limit(1))
    if primary and has_any:
        db.session.execute(db.update(StaffMembership).where(StaffMembership.user_id == user.id)
                           .values(is_primary=False))
    membership = StaffMembership(user_id=user.id, group_id=group.id, is_primary=primary or not has_any)
    db.session.add(membership)
    db.session.flush()
    _sync_staff_flag(user)
    return membership


def add_member_by_group_name(user: User, name: str) -> StaffMembership:
    """For ``flask forum create-user --staff-group NAME`` and the demo: join the group named
    ``name``, creating it with default badge settings if it does not exist yet. Idempotent."""
    name = _one_line(name)[:64]
    if not name:
        raise ValidationFailed({"name": _("Please enter a name.")})
    group = db.session.scalar(select(StaffGroup).where(func.lower(StaffGroup.name) == name.lower()))
    if group is None:
        position = (db.session.scalar(select(func.max(StaffGroup.position))) or 0) + 1
        group = StaffGroup(name=name, label=name[:32], color=DEFAULT_GROUP_COLOR, position=position)
        db.session.add(group)
        db.session.flush()
    membership = _add_membership(group, user, primary=False)
    if membership is None:
        membership = db.session.scalar(select(StaffMembership).where(StaffMembership.user_id == user.id,
                                                                     StaffMembership.group_id == group.id))
    db.session.commit()
    assert membership is not None
    return membership


def get_membership(membership_id: int) -> StaffMembership:
    membership = db.session.get(StaffMembership, membership_id)
    if membership is None:
        raise NotFound()
    return membership


def remove_member(admin: User, membership: StaffMembership) -> None:
    _require_manager(admin)
    user, group = membership.user, membership.group
    db.session.delete(membership)
    db.session.flush()
    _sync_staff_flag(user)
    _audit(admin, "staff.member_remove", "user", user.id, before={"group": group.name})
    db.session.commit()


def set_primary(actor: User, membership: StaffMembership) -> None:
    """An admin, or the member themselves, chooses which badge leads."""
    if not (permissions.can_manage_staff(actor) or actor.id == membership.user_id):
        raise PermissionDenied()
    db.session.execute(db.update(StaffMembership).where(StaffMembership.user_id == membership.user_id)
                       .values(is_primary=StaffMembership.id == membership.id))
    db.session.expire(membership.user, ["staff_memberships"])
    db.session.expire(membership, ["is_primary"])
    db.session.commit()


# --- staff profile (title, sign-off) ------------------------------------------------------------

def update_staff_profile(user: User, *, title: str | None, initials: str | None,
                         primary_group_id: int | None = None) -> None:
    if not permissions.can_edit_staff_profile(user):
        raise PermissionDenied()
    errors: dict[str, str] = {}
    title = _one_line(title) or None
    if title and len(title) > 64:
        errors["title"] = _("Please keep it under %(n)d characters.", n=64)
    initials = _one_line(initials) or None
    if initials and (len(initials) > 8 or not all(c.isalpha() or c in ".-' " for c in initials)):
        errors["signature_initials"] = _("Up to 8 letters, such as GR.")
    if errors:
        raise ValidationFailed(errors)
    text = "\n".join(v for v in (title, initials) if v)
    if text:
        # The same content filters as posts (context "signature"): a title speaks on every official reply.
        verdict, _verdicts = run_filters("forum_filter_post", draft=Draft(raw=text), author=user,
                                         context=FilterContext(kind="signature"))
        if verdict.kind in (VerdictKind.REJECT, VerdictKind.REQUIRE_APPROVAL):
            raise ValidationFailed({"title": verdict.message or _("This title cannot be used.")})
    user.title, user.signature_initials = title, initials
    if primary_group_id:
        membership = db.session.scalar(select(StaffMembership).where(
            StaffMembership.user_id == user.id, StaffMembership.group_id == primary_group_id))
        if membership is None:
            raise ValidationFailed({"primary_group": _("Choose one of your groups.")})
        db.session.execute(db.update(StaffMembership).where(StaffMembership.user_id == user.id)
                           .values(is_primary=StaffMembership.id == membership.id))
        db.session.expire(user, ["staff_memberships"])
    db.session.commit()


# --- expert badges ------------------------------------------------------------------------------

def list_experts() -> list[ExpertBadge]:
    return list(db.session.scalars(select(ExpertBadge).options(joinedload(ExpertBadge.user),
                                                               joinedload(ExpertBadge.granted_by))
                                   .order_by(ExpertBadge.granted_at.desc(), ExpertBadge.id.desc())))


def grant_expert(admin: User, user: User, *, label: str | None = None, note: str = "") -> ExpertBadge:
    _require_manager(admin)
    label = _one_line(label) or DEFAULT_EXPERT_LABEL
    if len(label) > 32:
        raise ValidationFailed({"label": _("Please keep it under %(n)d characters.", n=32)})
    if db.session.scalar(select(ExpertBadge.id).where(ExpertBadge.user_id == user.id,
                                                      func.lower(ExpertBadge.label) == label.lower())):
        raise ValidationFailed({"label": _("%(name)s already has this badge.", name=user.username)})
    badge = ExpertBadge(user_id=user.id, label=label, note=(note or "").strip()[:1000], granted_by_id=admin.id)
    db.session.add(badge)
    db.session.flush()
    db.session.expire(user, ["expert_badges"])
    _audit(admin, "expert_badge.grant", "user", user.id, after={"label": label}, reason=badge.note or None)
    db.session.commit()
    return badge


def get_expert_badge(badge_id: int) -> ExpertBadge:
    badge = db.session.get(ExpertBadge, badge_id)
    if badge is None:
        raise NotFound()
    return badge


def revoke_expert(admin: User, badge: ExpertBadge) -> None:
    _require_manager(admin)
    user_id, label = badge.user_id, badge.label
    db.session.delete(badge)
    db.session.flush()
    db.session.expire(db.session.get(User, user_id), ["expert_badges"])  # type: ignore[arg-type]
    _audit(admin, "expert_badge.revoke", "user", user_id, before={"label": label})
    db.session.commit()


# --- member list (admin) ------------------------------------------------------------------------

@dataclass
class MemberPage:
    users: list[User]
    next_cursor: str | None


def member_list(viewer: User, *, show: str = "all", after: str | None = None,
                per_page: int = 50) -> MemberPage:
    """Members with their badges, by username; keyset-paginated on the canonical username."""
    _require_manager(viewer)
    query = select(User).options(*badge_load_options())
    if show == "staff":
        query = query.where(User.is_staff_member.is_(True))
    elif show == "experts":
        query = query.where(User.id.in_(select(ExpertBadge.user_id)))
    if after:
        query = query.where(User.username_canonical > after)
    rows = list(db.session.scalars(query.order_by(User.username_canonical).limit(per_page + 1)))
    next_cursor = rows[per_page - 1].username_canonical if len(rows) > per_page else None
    return MemberPage(users=rows[:per_page], next_cursor=next_cursor)


# --- accepted answers ---------------------------------------------------------------------------

def mark_solution(user: User, post: Post) -> None:
    """Mark ``post`` as the topic's accepted answer; marking another reply moves the mark."""
    topic = post.topic
    if not discussion_permissions.can_mark_solution(user, topic, post):
        raise PermissionDenied()
    previous = topic.solution_post_id
    if previous == post.id:
        return
    topic.solution_post_id = post.id
    if user.id != topic.user_id:
        _audit(user, "topic.solution_mark", "topic", topic.id, before={"solution_post_id": previous},
               after={"solution_post_id": post.id})
    db.session.commit()
    fire("forum_topic_changed", topic=topic, actor=user, change="solved")


def unmark_solution(user: User, topic: Topic) -> None:
    if topic.solution_post_id is None:
        return
    if not discussion_permissions.can_mark_solution(user, topic):
        raise PermissionDenied()
    previous = topic.solution_post_id
    topic.solution_post_id = None
    if user.id != topic.user_id:
        _audit(user, "topic.solution_unmark", "topic", topic.id, before={"solution_post_id": previous},
               after={"solution_post_id": None})
    db.session.commit()
    fire("forum_topic_changed", topic=topic, actor=user, change="unsolved")


def accepted_answer(topic: Topic) -> Post | None:
    """The accepted answer if it is still published (one query, cached for the request)."""
    if topic.solution_post_id is None:
        return None
    from flask import g

    cache: dict[int, Post | None] = g.setdefault("staff_accepted_answers", {}) if has_request_context() else {}
    if topic.id not in cache:
        cache[topic.id] = db.session.scalar(
            select(Post).options(joinedload(Post.author))
            .where(Post.id == topic.solution_post_id, Post.topic_id == topic.id,
                   Post.state == PostState.PUBLISHED))
    return cache[topic.id]


# --- response times -----------------------------------------------------------------------------

def time_to_first_staff_reply(topic: Topic) -> timedelta | None:
    if topic.first_staff_reply_at is None:
        return None
    return topic.first_staff_reply_at - topic.created_at


def time_to_first_official_reply(topic: Topic) -> timedelta | None:
    if topic.first_official_reply_at is None:
        return None
    return topic.first_official_reply_at - topic.created_at


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _seconds_between(later: Any, earlier: Any) -> Any:
    """``later - earlier`` in seconds, as SQL (both are aware UTC columns or literals)."""
    if _dialect() == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _when(value: datetime) -> Any:
    return literal(value, UTCDateTime)


def _awaiting_scope(viewer: Any, category_id: int | None) -> list[Any]:
    """Topics members started (staff-started topics await no one) in categories ``viewer`` reads."""
    conditions: list[Any] = [
        Topic.state == PostState.PUBLISHED,
        Topic.category_id.in_(discussion_permissions.readable_category_ids(viewer)),
        or_(Topic.user_id.is_(None),
            Topic.user_id.in_(select(User.id).where(User.is_staff_member.is_(False),
                                                     User.role == Role.MEMBER))),
    ]
    if category_id:
        conditions.append(Topic.category_id == category_id)
    return conditions


@dataclass
class AwaitingPage:
    topics: list[Topic]
    next_cursor: str | None


def _encode(topic: Topic) -> str:
    return f"{int(topic.created_at.timestamp() * 1_000_000)}_{topic.id}"


def _decode(cursor: str | None) -> tuple[datetime, int] | None:
    from datetime import UTC

    if not cursor:
        return None
    stamp, _sep, topic_id = cursor.partition("_")
    if not stamp.isdigit() or not topic_id.isdigit():
        return None
    return datetime.fromtimestamp(int(stamp) / 1_000_000, UTC), int(topic_id)


def awaiting_staff_response(viewer: Any, *, category_id: int | None = None, cursor: str | None = None,
                            per_page: int | None = None) -> AwaitingPage:
    """Topics no staff member has answered yet, oldest first; keyset-paginated on (created_at, id)."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    per_page = per_page or current_app.config.get("TOPICS_PER_PAGE", 30)
    query = (select(Topic).options(joinedload(Topic.category), joinedload(Topic.author))
             .where(Topic.first_staff_reply_at.is_(None), *_awaiting_scope(viewer, category_id)))
    position = _decode(cursor)
    if position is not None:
        query = query.where(tuple_(Topic.created_at, Topic.id) > tuple_(_when(position[0]), position[1]))
    rows = list(db.session.scalars(query.order_by(Topic.created_at, Topic.id).limit(per_page + 1)))
    next_cursor = _encode(rows[per_page - 1]) if len(rows) > per_page else None
    return AwaitingPage(topics=rows[:per_page], next_cursor=next_cursor)


@dataclass
class Figures:
    """Staff response figures for topics started in the last ``days`` days."""

    days: int
    topics: int
    answered: int
    median_seconds: float | None
    p90_seconds: float | None
    within_target: int
    target_base: int       # topics that had the full target time to be answered (or were answered)
    questions: int
    solved: int
    target_hours: int

    @property
    def within_target_pct(self) -> float | None:
        return 100.0 * self.within_target / self.target_base if self.target_base else None

    @property
    def solved_pct(self) -> float | None:
        return 100.0 * self.solved / self.questions if self.questions else None


def response_target_hours() -> int:
    from forum.settings import get_setting

    try:
        return max(1, int(get_setting("staff_response_target_hours") or 24))
    except (TypeError, ValueError):
        return 24


def response_figures(viewer: Any, *, category_id: int | None = None, now: datetime | None = None,
                     windows: tuple[int, ...] = (7, 30, 90)) -> list[Figures]:
    """Median / 90th percentile time to first staff reply (over answered topics), share answered
    within the target (24 h by default; unanswered topics younger than that are left out: they
    may still make it) and share of question topics solved. Three queries per window, whatever
    the number of topics."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    now = now or utcnow()
    target_hours = response_target_hours()
    target = target_hours * 3600
    wait = _seconds_between(Topic.first_staff_reply_at, Topic.created_at)
    out: list[Figures] = []
    for days in windows:
        scope = [*_awaiting_scope(viewer, category_id), Topic.created_at >= _when(now - timedelta(days=days)),
                 Topic.created_at < _when(now)]
        answered_cond = Topic.first_staff_reply_at.is_not(None)
        young = Topic.created_at > _when(now - timedelta(hours=target_hours))
        row = db.session.execute(
            select(func.count(Topic.id),
                   func.sum(case((answered_cond, 1), else_=0)),
                   func.sum(case((and_(answered_cond, wait <= target), 1), else_=0)),
                   func.sum(case((or_(answered_cond, ~young), 1), else_=0)),
                   func.sum(case((Category.is_questions.is_(True), 1), else_=0)),
                   func.sum(case((and_(Category.is_questions.is_(True), Topic.solution_post_id.is_not(None)),
                                  1), else_=0)))
            .join(Category, Category.id == Topic.category_id).where(*scope)).one()
        total, answered, within, base, questions, solved = (int(v or 0) for v in row)
        durations = select(wait.label("wait")).where(*scope, answered_cond)
        out.append(Figures(days=days, topics=total, answered=answered,
                           median_seconds=_percentile(durations, answered, 0.5),
                           p90_seconds=_percentile(durations, answered, 0.9),
                           within_target=within, target_base=base, questions=questions, solved=solved,
                           target_hours=target_hours))
    return out


def _percentile(durations: Any, n: int, p: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL's percentile_cont), portable:
    an ORDER BY ... LIMIT 2 OFFSET k on the matching rows."""
    if n <= 0:
        return None
    pos = p * (n - 1)
    lo = floor(pos)
    sub = durations.subquery()
    values = [float(v) for v in db.session.scalars(select(sub.c.wait).order_by(sub.c.wait)
                                                   .offset(lo).limit(2))]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    return values[0] + (values[1] - values[0]) * (pos - lo)


@dataclass
class WeekPoint:
    start: datetime
    topics: int
    within_target: int

    @property
    def pct(self) -> float | None:
        return 100.0 * self.within_target / self.topics if self.topics else None


def weekly_series(viewer: Any, *, weeks: int = 12, category_id: int | None = None,
                  now: datetime | None = None) -> list[WeekPoint]:
    """Per week (the last ``weeks`` 7-day spans ending now): topics started and how many got a
    staff reply within the target. One GROUP BY query."""
    if not permissions.can_view_response_times(viewer):
        raise PermissionDenied()
    now = now or utcnow()
    start = now - timedelta(weeks=weeks)
    target = response_target_hours() * 3600
    offset = _seconds_between(Topic.created_at, _when(start)) / 604800
    bucket = (func.floor(offset) if _dialect() == "postgresql" else cast(offset, Integer)).label("bucket")
    wait = _seconds_between(Topic.first_staff_reply_at, Topic.created_at)
    rows = db.session.execute(
        select(bucket, func.count(Topic.id),
               func.sum(case((and_(Topic.first_staff_reply_at.is_not(None), wait <= target), 1), else_=0)))
        .where(*_awaiting_scope(viewer, category_id), Topic.created_at >= _when(start),
               Topic.created_at < _when(now))
        .group_by(bucket)).all()
    counts = {int(b): (int(n or 0), int(w or 0)) for b, n, w in rows}
    return [WeekPoint(start=start + timedelta(weeks=i), topics=counts.get(i, (0, 0))[0],
                      within_target=counts.get(i, (0, 0))[1]) for i in range(weeks)]


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str
    title: str


@dataclass
class Chart:
    width: int
    height: int
    baseline: float
    bars: list[Bar]
    caption: str


def build_chart(points: list[WeekPoint], labels: list[str], *, width: int = 480, height: int = 170) -> Chart:
    """Geometry of a bar chart (bar = % answered within the target); the template draws it and
    escapes every label."""
    top, bottom = 16, 34
    plot = height - top - bottom
    slot = width / max(1, len(points))
    bars = []
    for i, (point, label) in enumerate(zip(points, labels, strict=True)):
        pct = point.pct
        h = plot * (pct or 0) / 100
        value = f"{pct:.0f}%" if pct is not None else "–"
        bars.append(Bar(x=round(i * slot + slot * 0.15, 2), y=round(top + plot - h, 2), width=round(slot * 0.7, 2),
                        height=round(h, 2), label=label, value=value,
                        title=_("%(week)s: %(answered)d of %(topics)d topics answered within %(hours)d h",
                                week=label, answered=point.within_target, topics=point.topics,
                                hours=response_target_hours())))
    return Chart(width=width, height=height, baseline=top + plot, bars=bars,
                 caption=_("Share of new topics answered by staff within %(hours)d h, per week",
                           hours=response_target_hours()))


def staff_categories(viewer: Any) -> list[Category]:
    ids = discussion_permissions.readable_category_ids(viewer)
    return list(db.session.scalars(select(Category).where(Category.id.in_(ids))
                                   .order_by(Category.position, Category.name)))
