"""Sanctions: warnings to acknowledge, silence (read-only), suspension, roles.

Each is one function: permission, validation, the change, an audit entry and a notice to the
member, in one transaction.
"""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select

from forum.accounts.models import PERMANENT, Role, User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.notifications import notify
from forum.registry import contributions

from .. import permissions
from ..interfaces import SanctionListener
from ..models import Sanction, SanctionKind
from . import notices
from .common import clean, iso, url
from .labels import DURATIONS


def user_check(actor: User, user: User) -> None:
    if not permissions.can_act_on_user(actor, user):
        raise PermissionDenied()


def _sanction_reason(reason: str) -> str:
    reason = clean(reason)
    if not reason:
        raise ValidationFailed({"reason": _("Tell the member why: they will read it.")})
    return reason


def _tell_listeners(actor: User, user: User, sanction: Sanction) -> None:
    """The domains that follow sanctions (members' demotions), in this transaction."""
    for listener in contributions(SanctionListener):
        listener.sanctioned(actor, user, sanction)


def parse_duration(key: str, *, allow_permanent: bool) -> timedelta | None:
    if key not in DURATIONS or (key == "permanent" and not allow_permanent):
        raise ValidationFailed({"duration": _("Choose a duration.")})
    return DURATIONS[key]


def warn_user(actor: User, user: User, reason: str, note: str = "") -> Sanction:
    """An official warning the member must acknowledge before posting again."""
    user_check(actor, user)
    reason = _sanction_reason(reason)
    sanction = Sanction(user_id=user.id, kind=SanctionKind.WARNING, reason=reason, note=clean(note) or None,
                        created_by_id=actor.id, created_at=utcnow())
    db.session.add(sanction)
    user.warning_pending = True
    db.session.flush()
    record_action(actor, "user.warn", "user", user.id, after={"sanction": sanction.id}, reason=reason)
    _tell_listeners(actor, user, sanction)
    notify(user, notices.WARNING, {"reason": reason}, url=url("moderation.my_status", "/moderation/me"))
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
    user_check(actor, user)
    reason = _sanction_reason(reason)
    until = utcnow() + duration
    before = {"silenced_until": iso(user.silenced_until)}
    user.silenced_until = until
    sanction = Sanction(user_id=user.id, kind=SanctionKind.SILENCE, reason=reason, note=clean(note) or None,
                        created_by_id=actor.id, created_at=utcnow(), expires_at=until)
    db.session.add(sanction)
    db.session.flush()
    record_action(actor, "user.silence", "user", user.id, before=before,
                  after={"silenced_until": iso(until), "sanction": sanction.id}, reason=reason)
    _tell_listeners(actor, user, sanction)
    notify(user, notices.SILENCED, {"until": iso(until), "reason": reason},
           url=url("moderation.my_status", "/moderation/me"))
    db.session.commit()
    return sanction


def suspend_user(actor: User, user: User, duration: timedelta | None, reason: str, note: str = "") -> Sanction:
    """No sign-in for a while, or for good (``duration`` None). Mailed, since they cannot log in."""
    user_check(actor, user)
    reason = _sanction_reason(reason)
    until = utcnow() + duration if duration is not None else PERMANENT
    before = {"suspended_until": iso(user.suspended_until)}
    user.suspended_until = until
    sanction = Sanction(user_id=user.id, kind=SanctionKind.SUSPEND, reason=reason, note=clean(note) or None,
                        created_by_id=actor.id, created_at=utcnow(),
                        expires_at=None if duration is None else until)
    db.session.add(sanction)
    db.session.flush()
    record_action(actor, "user.suspend", "user", user.id, before=before,
                  after={"suspended_until": iso(until), "sanction": sanction.id}, reason=reason)
    _tell_listeners(actor, user, sanction)
    # A permanent suspension has no end to show.
    notify(user, notices.SUSPENDED, {"until": iso(until) if duration is not None else None, "reason": reason})
    db.session.commit()
    return sanction


def _lift(actor: User, user: User, kind: SanctionKind, reason: str) -> None:
    now = utcnow()
    for sanction in db.session.scalars(select(Sanction).where(Sanction.user_id == user.id, Sanction.kind == kind,
                                                              Sanction.lifted_at.is_(None))):
        if sanction.is_active(now):
            sanction.lifted_at, sanction.lifted_by_id = now, actor.id


def lift_silence(actor: User, user: User, reason: str = "") -> None:
    user_check(actor, user)
    if not (user.silenced_until and user.silenced_until > utcnow()):
        raise ValidationFailed(_("This member is not silenced."))
    before = {"silenced_until": iso(user.silenced_until)}
    user.silenced_until = None
    _lift(actor, user, SanctionKind.SILENCE, reason)
    record_action(actor, "user.unsilence", "user", user.id, before=before, after={"silenced_until": None},
                  reason=clean(reason) or None)
    notify(user, notices.UNSILENCED)
    db.session.commit()


def lift_suspension(actor: User, user: User, reason: str = "") -> None:
    user_check(actor, user)
    if not (user.suspended_until and user.suspended_until > utcnow()):
        raise ValidationFailed(_("This member is not suspended."))
    before = {"suspended_until": iso(user.suspended_until)}
    user.suspended_until = None
    _lift(actor, user, SanctionKind.SUSPEND, reason)
    record_action(actor, "user.unsuspend", "user", user.id, before=before, after={"suspended_until": None},
                  reason=clean(reason) or None)
    notify(user, notices.UNSUSPENDED)
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
