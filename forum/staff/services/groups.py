"""Staff groups (each with its badge) and who is in them.

Every write: permission -> validation -> write + audit entry -> commit. ``User.is_staff_member``
is denormalised from the memberships and kept true here (:func:`_sync_staff_flag`).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.accounts.services import find_by_username
from forum.audit import record_action
from forum.discussions.models import Post
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.text import one_line

from .. import permissions
from ..colors import HEX_COLOR
from ..models import StaffGroup, StaffMembership

DEFAULT_GROUP_COLOR = "#2f5d8a"


# --- staff groups -------------------------------------------------------------------------------

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
    name = one_line(data.get("name"))
    if not name:
        errors["name"] = _("Please enter a name.")
    elif len(name) > 64:
        errors["name"] = _("Please keep it under %(n)d characters.", n=64)
    else:
        clash = db.session.scalar(select(StaffGroup.id).where(func.lower(StaffGroup.name) == name.lower(),
                                                              StaffGroup.id != (group.id if group else -1)))
        if clash:
            errors["name"] = _("Another staff group already has this name.")
    label = one_line(data.get("label")) or name[:32]
    if len(label) > 32:
        errors["label"] = _("Please keep it under %(n)d characters.", n=32)
    color = (data.get("color") or DEFAULT_GROUP_COLOR).strip().lower()
    if not HEX_COLOR.match(color):
        errors["color"] = _("Use a colour like #2f5d8a.")
    icon = one_line(data.get("icon")) or None
    if icon and len(icon) > 8:
        errors["icon"] = _("An icon is one or two characters, such as an emoji.")
    default_title = one_line(data.get("default_title")) or None
    if default_title and len(default_title) > 64:
        errors["default_title"] = _("Please keep it under %(n)d characters.", n=64)
    if errors:
        raise ValidationFailed(errors)
    position = data.get("position")
    return {"name": name, "label": label, "color": color, "icon": icon, "default_title": default_title,
            "position": int(position) if position is not None else (group.position if group else 0)}


def save_group(admin: User, group: StaffGroup | None, data: dict[str, Any]) -> StaffGroup:
    """Create (``group=None``) or update a staff group and its badge."""
    permissions.require_manage_staff(admin)
    values = _clean_group(data, group)
    before = _group_snapshot(group) if group else None
    if group is None:
        group = StaffGroup()
        db.session.add(group)
    for key, value in values.items():
        setattr(group, key, value)
    db.session.flush()
    record_action(admin, "staff_group.update" if before else "staff_group.create", "staff_group", group.id,
           before=before, after=_group_snapshot(group))
    db.session.commit()
    return group


def delete_group(admin: User, group: StaffGroup) -> None:
    """Members lose the badge (and, without another group, their staff status: their official
    replies stay signed but frozen, see :func:`remove_member`)."""
    permissions.require_manage_staff(admin)
    users = [m.user for m in group_members(group)]
    snapshot = _group_snapshot(group)
    group_id = group.id
    db.session.execute(db.delete(StaffMembership).where(StaffMembership.group_id == group_id))
    db.session.delete(group)
    db.session.flush()
    for user in users:
        db.session.expire(user, ["staff_memberships"])
        _sync_staff_flag(user)
    record_action(admin, "staff_group.delete", "staff_group", group_id, before=snapshot)
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
    user = find_by_username((username or "").strip().lstrip("@"))
    if user is None:
        raise ValidationFailed({"username": _("No member has this username.")})
    return user


def add_member(admin: User, group: StaffGroup, user: User, *, primary: bool = False) -> StaffMembership:
    permissions.require_manage_staff(admin)
    membership = _add_membership(group, user, primary=primary)
    if membership is None:
        raise ValidationFailed({"username": _("%(name)s is already in this group.", name=user.username)})
    record_action(admin, "staff.member_add", "user", user.id,
                  after={"group": group.name, "primary": membership.is_primary})
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


class UnknownGroup(ValidationFailed):
    """No staff group has that name; ``names`` lists the ones that exist."""

    def __init__(self, name: str, names: list[str]) -> None:
        self.names = names
        listed = ", ".join(names) if names else _("none yet")
        super().__init__({"name": _("No staff group is named \"%(name)s\". Existing groups: %(names)s.",
                                    name=name, names=listed)})


def group_named(name: str) -> StaffGroup | None:
    """The group called ``name`` (case-insensitive), if any."""
    return db.session.scalar(select(StaffGroup).where(func.lower(StaffGroup.name) == one_line(name)[:64].lower()))


def add_member_by_group_name(user: User, name: str, *, create: bool = False) -> StaffMembership:
    """For ``flask forum create-user --staff-group NAME`` and the demo: join the group named
    ``name``. A missing group is refused (:class:`UnknownGroup`, listing the groups) unless
    ``create``, so a typo never makes a new group silently. Idempotent."""
    name = one_line(name)[:64]
    if not name:
        raise ValidationFailed({"name": _("Please enter a name.")})
    group = group_named(name)
    if group is None:
        if not create:
            raise UnknownGroup(name, [g.name for g, _count in list_groups()])
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


def sync_managed_groups(user: User, wanted: Collection[str],
                        managed: Collection[str]) -> tuple[list[str], list[str], list[str]]:
    """Membership of the ``managed`` groups made to match ``wanted`` (a sign-in provider's groups,
    forum.sso.interfaces.StaffGroupSync). The caller commits and audits. Returns (added, removed,
    missing): a wanted group that does not exist is reported, never created."""
    added: list[str] = []
    removed: list[str] = []
    missing: list[str] = []
    for name in sorted(set(wanted)):
        group = group_named(name)
        if group is None:
            missing.append(name)
        elif _add_membership(group, user, primary=False) is not None:
            added.append(group.name)
    drop = {one_line(n)[:64].lower() for n in managed} - {one_line(n)[:64].lower() for n in wanted}
    if drop:
        memberships = db.session.scalars(
            select(StaffMembership).join(StaffGroup, StaffGroup.id == StaffMembership.group_id)
            .where(StaffMembership.user_id == user.id, func.lower(StaffGroup.name).in_(drop))).all()
        for membership in memberships:
            removed.append(membership.group.name)
            db.session.delete(membership)
        if memberships:
            db.session.flush()
            _sync_staff_flag(user)
    return added, removed, missing


def get_membership(membership_id: int) -> StaffMembership:
    membership = db.session.get(StaffMembership, membership_id)
    if membership is None:
        raise NotFound()
    return membership


def _official_reply_count(user: User) -> int:
    return int(db.session.scalar(select(func.count(Post.id)).where(Post.user_id == user.id,
                                                                  Post.is_official.is_(True))) or 0)


def remove_member(admin: User, membership: StaffMembership) -> None:
    """Take a member out of a group. Leaving the last group does not unsign their past
    official replies (they were said for the brand, and stay signed) but freezes them: from
    then on only moderators and admins may edit or hide them
    (:func:`forum.discussions.permissions.is_frozen_official`). Nothing is rewritten here: the
    freeze follows from ``is_staff_member``, so re-joining a group thaws them."""
    permissions.require_manage_staff(admin)
    user, group = membership.user, membership.group
    db.session.delete(membership)
    db.session.flush()
    _sync_staff_flag(user)
    after = {"official_replies_frozen": _official_reply_count(user)} if not user.is_staff_member else None
    record_action(admin, "staff.member_remove", "user", user.id, before={"group": group.name}, after=after)
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


