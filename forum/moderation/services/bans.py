"""Registration bans: email domains (and their subdomains) and IP ranges."""

from __future__ import annotations

import contextlib
import ipaddress
import re
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db

from .. import permissions
from ..models import BanKind, RegistrationBan
from .common import clean

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
    ban = RegistrationBan(kind=kind, value=value, reason=clean(reason) or None, created_by_id=actor.id,
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
                  reason=clean(reason) or None)
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
