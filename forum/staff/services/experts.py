"""Expert badges (community members recognised by staff) and the admin's member list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound, ValidationFailed
from forum.extensions import db
from forum.text import one_line

from .. import permissions
from ..models import ExpertBadge
from .badges import badge_load_options

DEFAULT_EXPERT_LABEL = "Expert"
# "New" on the admin's member list and overview: joined within this many days.
NEW_MEMBER_DAYS = 7

# --- expert badges ------------------------------------------------------------------------------

def list_experts() -> list[ExpertBadge]:
    return list(db.session.scalars(select(ExpertBadge).options(joinedload(ExpertBadge.user),
                                                               joinedload(ExpertBadge.granted_by))
                                   .order_by(ExpertBadge.granted_at.desc(), ExpertBadge.id.desc())))


def grant_expert(admin: User, user: User, *, label: str | None = None, note: str = "") -> ExpertBadge:
    permissions.require_manage_staff(admin)
    label = one_line(label) or DEFAULT_EXPERT_LABEL
    if len(label) > 32:
        raise ValidationFailed({"label": _("Please keep it under %(n)d characters.", n=32)})
    if db.session.scalar(select(ExpertBadge.id).where(ExpertBadge.user_id == user.id,
                                                      func.lower(ExpertBadge.label) == label.lower())):
        raise ValidationFailed({"label": _("%(name)s already has this badge.", name=user.username)})
    badge = ExpertBadge(user_id=user.id, label=label, note=(note or "").strip()[:1000], granted_by_id=admin.id)
    db.session.add(badge)
    db.session.flush()
    db.session.expire(user, ["expert_badges"])
    record_action(admin, "expert_badge.grant", "user", user.id, after={"label": label}, reason=badge.note or None)
    db.session.commit()
    return badge


def get_expert_badge(badge_id: int) -> ExpertBadge:
    badge = db.session.get(ExpertBadge, badge_id)
    if badge is None:
        raise NotFound()
    return badge


def revoke_expert(admin: User, badge: ExpertBadge) -> None:
    permissions.require_manage_staff(admin)
    user_id, label = badge.user_id, badge.label
    db.session.delete(badge)
    db.session.flush()
    db.session.expire(db.session.get(User, user_id), ["expert_badges"])  # type: ignore[arg-type]
    record_action(admin, "expert_badge.revoke", "user", user_id, before={"label": label})
    db.session.commit()


# --- member list (admin) ------------------------------------------------------------------------

@dataclass
class MemberPage:
    users: list[User]
    next_cursor: str | None


def member_list(viewer: User, *, show: str = "all", after: str | None = None,
                per_page: int = 50) -> MemberPage:
    """Members with their badges, by username; keyset-paginated on the canonical username."""
    permissions.require_manage_staff(viewer)
    query = select(User).options(*badge_load_options())
    if show == "staff":
        query = query.where(User.is_staff_member.is_(True))
    elif show == "experts":
        query = query.where(User.id.in_(select(ExpertBadge.user_id)))
    elif show == "new":
        query = query.where(User.created_at >= utcnow() - timedelta(days=NEW_MEMBER_DAYS))
    if after:
        query = query.where(User.username_canonical > after)
    rows = list(db.session.scalars(query.order_by(User.username_canonical).limit(per_page + 1)))
    next_cursor = rows[per_page - 1].username_canonical if len(rows) > per_page else None
    return MemberPage(users=rows[:per_page], next_cursor=next_cursor)



def new_member_count(days: int = NEW_MEMBER_DAYS) -> int:
    """Accounts made in the last ``days`` days (the admin overview's figure)."""
    return int(db.session.scalar(select(func.count()).select_from(User)
                                 .where(User.created_at >= utcnow() - timedelta(days=days))) or 0)
