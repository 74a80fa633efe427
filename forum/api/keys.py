"""API keys: making, finding, revoking (the one place a key's secret is handled).

Who may make or revoke which key is decided in :mod:`forum.api.permissions`; these functions
write what they are told, in one transaction with the audit entry.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from forum.accounts.models import Role, User
from forum.accounts.states import MemberState, member_state
from forum.audit.services import record_action
from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.extensions import db

from .models import ALL_SCOPES, USER_SCOPES, ApiKey, KeyKind, Scope

KEY_PREFIX = "circolo_"
_KEY = re.compile(r"circolo_([a-z0-9]{12})_([A-Za-z0-9_-]{43})")
# A key's last use is written at most this often (a busy integration would otherwise write on
# every request); lists say "last used" to the minute.
TOUCH_EVERY = timedelta(minutes=1)
MAX_KEYS_PER_MEMBER = 20


@dataclass(frozen=True)
class NewKey:
    """A key just made: ``secret`` is the whole key, to show once."""

    key: ApiKey
    secret: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def scopes_allowed_to(user: Any) -> set[str]:
    """The scopes a member's own permissions reach: a key carries at most these, whatever it
    was given (a key of a demoted moderator loses ``moderation`` with them)."""
    allowed = {Scope.READ.value, Scope.WRITE.value}
    if getattr(user, "is_moderator", False):
        allowed.add(Scope.MODERATION.value)
    if getattr(user, "is_admin", False):
        allowed.add(Scope.ADMIN.value)
    return allowed


def effective_scopes(key: ApiKey, user: Any) -> frozenset[str]:
    return frozenset(set(key.scopes or ()) & scopes_allowed_to(user))


def clean_name(name: str | None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ValidationFailed({"name": _("Give the key a name, so you know what uses it.")})
    if len(name) > 80:
        raise ValidationFailed({"name": _("The name can be at most 80 characters long.")})
    return name


def _clean_scopes(scopes: list[str], kind: KeyKind) -> list[str]:
    offered = USER_SCOPES if kind == KeyKind.USER else ALL_SCOPES
    chosen: list[str] = [str(s.value) for s in offered if s.value in set(scopes)]
    if not chosen or len(chosen) != len(set(scopes)):
        raise ValidationFailed({"scopes": _("Choose what the key may do.")})
    return chosen


def _make(kind: KeyKind, name: str, scopes: list[str], user: User, creator: User, acts_as: bool) -> NewKey:
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(prefix=prefix, secret_hash=_hash(secret), name=clean_name(name), kind=kind,
                 scopes=_clean_scopes(scopes, kind), user_id=user.id, acts_as_user=acts_as,
                 created_by_id=creator.id, created_at=utcnow())
    db.session.add(key)
    db.session.flush()
    record_action(creator, "api_key.create", "api_key", key.id,
                  after={"name": key.name, "kind": kind.value, "scopes": key.scopes, "user": user.username})
    db.session.commit()
    return NewKey(key, f"{KEY_PREFIX}{prefix}_{secret}")


def create_user_key(user: User, name: str, scopes: list[str]) -> NewKey:
    """A member's own key (read / write), acting as them."""
    count = db.session.scalar(select(db.func.count()).select_from(ApiKey).where(
        ApiKey.user_id == user.id, ApiKey.kind == KeyKind.USER, ApiKey.revoked_at.is_(None))) or 0
    if count >= MAX_KEYS_PER_MEMBER:
        raise ValidationFailed({"": _("You have %(n)d keys: revoke one you no longer use first.",
                                      n=MAX_KEYS_PER_MEMBER)})
    return _make(KeyKind.USER, name, scopes, user, user, acts_as=False)


def create_admin_key(admin: User, name: str, scopes: list[str], acts_as: User | None = None) -> NewKey:
    """An integration's key: any scope; it acts as ``acts_as`` (a bot account) or, without one,
    as the admin who made it. Either way it never reaches further than that member may. It
    works only while the admin who made it is still one (:func:`authenticate`), and it may not
    act as another admin: their actions would be logged under a name that did not choose them."""
    if acts_as is not None and acts_as.id != admin.id and Role(acts_as.role) == Role.ADMIN:
        raise ValidationFailed({"acts_as": _("A key cannot act as another administrator.")})
    return _make(KeyKind.ADMIN, name, scopes, acts_as or admin, admin, acts_as=acts_as is not None)


def revoke(actor: User, key: ApiKey) -> None:
    if key.revoked_at is not None:
        return
    key.revoked_at = utcnow()
    key.revoked_by_id = actor.id
    record_action(actor, "api_key.revoke", "api_key", key.id,
                  before={"name": key.name, "kind": key.kind, "scopes": key.scopes})
    db.session.commit()


def user_keys(user: Any) -> list[ApiKey]:
    """A member's own keys, newest first, revoked ones included (they say when)."""
    return list(db.session.scalars(select(ApiKey).where(ApiKey.user_id == user.id, ApiKey.kind == KeyKind.USER)
                                   .order_by(ApiKey.created_at.desc(), ApiKey.id.desc())))


def admin_keys(limit: int = 200) -> list[ApiKey]:
    return list(db.session.scalars(
        select(ApiKey).options(joinedload(ApiKey.user), joinedload(ApiKey.created_by))
        .where(ApiKey.kind == KeyKind.ADMIN).order_by(ApiKey.created_at.desc(), ApiKey.id.desc()).limit(limit)))


def get_key(key_id: int) -> ApiKey | None:
    return db.session.get(ApiKey, key_id)


@dataclass(frozen=True)
class Authenticated:
    key: ApiKey
    user: User
    scopes: frozenset[str]


def authenticate(token: str) -> Authenticated | None:
    """The key named by ``token`` and the member it acts as, or None: unknown, wrong secret,
    revoked, or its member may not use the site now (suspended: accounts' member states)."""
    match = _KEY.fullmatch(token.strip())
    if match is None:
        return None
    prefix, secret = match.groups()
    found = db.session.execute(select(ApiKey, User).join(User, User.id == ApiKey.user_id)
                               .where(ApiKey.prefix == prefix)).first()
    if found is None:
        return None
    key, user = found
    if not hmac.compare_digest(key.secret_hash, _hash(secret)) or key.revoked_at is not None:
        return None
    if member_state(user) == MemberState.SUSPENDED or not _maker_still_may(key):
        return None
    scopes = effective_scopes(key, user)
    user.cap_role(role_within(scopes))
    return Authenticated(key, user, scopes)


def _maker_still_may(key: ApiKey) -> bool:
    """An admin key works while whoever made it is an admin who may use the site: a demoted or
    suspended admin's integrations stop with them (their real role, not a key's cap)."""
    if key.kind != KeyKind.ADMIN:
        return True
    maker = key.created_by
    return maker is not None and Role(maker.role) == Role.ADMIN and member_state(maker) != MemberState.SUSPENDED


def role_within(scopes: frozenset[str]) -> Role:
    """The most a key's scopes let its member act as: a moderator's key without ``moderation``
    reads and writes as a member (no hidden posts, no editing others' posts), an admin's
    without ``admin`` as a moderator at most."""
    if Scope.ADMIN.value in scopes:
        return Role.ADMIN
    return Role.MODERATOR if Scope.MODERATION.value in scopes else Role.MEMBER


def touch(key_id: int, last_used_at: Any) -> None:
    """Note the key's use, at most once a minute, as a small write of its own."""
    now = utcnow()
    if last_used_at is not None and now - last_used_at < TOUCH_EVERY:
        return
    try:
        db.session.execute(update(ApiKey).where(ApiKey.id == key_id).values(last_used_at=now))
        db.session.commit()
    except Exception:  # noting a use must never fail the answer
        db.session.rollback()
