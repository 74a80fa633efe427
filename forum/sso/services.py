"""Who a provider's sign-in is, here: find the identity, link, create, keep groups in step.

The decision (:func:`decide`) is a pure function of what we found, so its rules are tested
on their own: an existing identity signs in; an account is linked by email only when the
provider says the address is verified AND the account here verified it too (never by a name);
an address that collides otherwise is refused (the owner signs in with their password and
connects the provider from their settings); anything else is a new member, who completes the
account (username, code of conduct) before anything is written.
"""

from __future__ import annotations

import logging
import re
import string
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from forum.accounts import external, visits
from forum.accounts.models import ROLE_RANK, Role, User
from forum.accounts.services import canonical_email, validate_username
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound, ValidationFailed
from forum.extensions import db
from forum.registry import lookup
from forum.text import one_line

from . import permissions
from .interfaces import StaffGroupSync
from .models import ExternalIdentity
from .providers import Provider

log = logging.getLogger(__name__)

USERNAME_CHARS = re.compile(r"[^\w.-]+")


# --- claims -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ProviderClaims:
    """A provider's verified claims, mapped through the provider's ``claims`` configuration."""

    subject: str
    email: str | None
    email_verified: bool
    name: str
    username: str
    locale: str | None
    groups: tuple[str, ...]


def _path(claims: Mapping[str, Any], path: str) -> Any:
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _truthy(value: Any) -> bool:
    # Some providers (AWS Cognito) send "true" as a string.
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def map_claims(provider: Provider, claims: Mapping[str, Any], supported_locales: tuple[str, ...]) -> ProviderClaims:
    mapping = provider.claims
    email = _path(claims, mapping["email"])
    email = email.strip() if isinstance(email, str) and "@" in email else None
    groups_raw = _path(claims, mapping["groups"])
    if isinstance(groups_raw, str):
        groups_raw = [groups_raw]
    groups = tuple(sorted({one_line(g)[:255] for g in groups_raw or () if isinstance(g, str) and g.strip()}))
    locale_raw = _path(claims, mapping["locale"])
    locale = None
    if isinstance(locale_raw, str):
        language = locale_raw.replace("_", "-").split("-")[0].lower()
        locale = language if language in supported_locales else None
    name = _path(claims, mapping["name"])
    username = _path(claims, mapping["username"])
    return ProviderClaims(
        subject=str(claims["sub"]), email=email,
        email_verified=bool(email) and _truthy(_path(claims, mapping["email_verified"])),
        name=one_line(name if isinstance(name, str) else "", 64),
        username=one_line(username if isinstance(username, str) else "", 64),
        locale=locale, groups=groups)


# --- the decision -------------------------------------------------------------------------------

class Decision(StrEnum):
    SIGN_IN = "sign_in"      # the identity is known: sign its member in
    LINK = "link"            # verified email on both sides: link, then sign in
    COLLISION = "collision"  # the email belongs to an account we may not link: refuse
    NEW = "new"              # nobody: complete a new account


ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)


def same_address(stored: str, claimed: str) -> bool:
    """Whether a provider's address is exactly the one stored here, for automatic linking.

    Stricter than the accounts' lookup (``casefold``), which makes "jeſſ@…" (long s) and
    "jess@…" one address: an attacker who can get the first verified at a provider would take
    over the second. Only ASCII case differences count as the same; a provider's address that
    is not ASCII never links automatically (the member can still connect from their settings).
    """
    claimed = claimed.strip()
    return claimed.isascii() and stored.strip().translate(ASCII_LOWER) == claimed.translate(ASCII_LOWER)


def decide(*, identity_user: User | None, email_owner: User | None, claims: ProviderClaims,
           link_by_verified_email: bool) -> Decision:
    if identity_user is not None:
        return Decision.SIGN_IN
    if email_owner is None:
        return Decision.NEW
    if (link_by_verified_email and claims.email_verified and email_owner.is_verified
            and same_address(email_owner.email, claims.email or "")):
        return Decision.LINK
    return Decision.COLLISION


def find_identity(provider_id: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(select(ExternalIdentity).where(ExternalIdentity.provider == provider_id,
                                                            ExternalIdentity.subject == subject))


def _email_owner(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(select(User).where(User.email_canonical == canonical_email(email)))


def resolve(provider: Provider, claims: ProviderClaims) -> tuple[Decision, User | None, ExternalIdentity | None]:
    """The decision, the member it concerns, and the identity when it exists (two queries at most)."""
    identity = find_identity(provider.id, claims.subject)
    owner = None if identity else _email_owner(claims.email)
    decision = decide(identity_user=identity.user if identity else None, email_owner=owner, claims=claims,
                      link_by_verified_email=provider.link_by_verified_email)
    return decision, (identity.user if identity else owner), identity


class SignInRefused(ValidationFailed):
    """The sign-in cannot go on; the message is for the person signing in."""


def collision_message(provider: Provider) -> str:
    if not external.members_use_passwords():  # SSO-only: there is no password to sign in with
        return _("An account here already uses this email address, and it cannot be linked to your "
                 "%(provider)s account automatically. Please contact the community's administrators.",
                 provider=provider.label)
    return _("An account here already uses this email address, and %(provider)s does not confirm the "
             "address belongs to you. Sign in to that account with your password, then connect "
             "%(provider)s from your settings.", provider=provider.label)


def _refuse_if_blocked(user: User) -> None:
    reason = external.sign_in_refusal(user)
    if reason:
        raise SignInRefused(reason)


def sign_in(provider: Provider, claims: ProviderClaims) -> tuple[User | None, bool]:
    """The member this sign-in is (linked now if the rules allow: then True), groups synchronised
    and committed; None when a new account must be completed first. Raises SignInRefused."""
    decision, user, found = resolve(provider, claims)
    if decision == Decision.NEW:
        return None, False
    if decision == Decision.COLLISION or user is None:
        raise SignInRefused(collision_message(provider))
    _refuse_if_blocked(user)
    identity = found if found is not None else _link(user, provider, claims, actor=user, how="verified_email")
    identity.last_login_at = utcnow()
    sync_groups(provider, user, claims.groups)
    visits.note_visit(user.id)
    db.session.commit()
    return user, found is None


def _link(user: User, provider: Provider, claims: ProviderClaims, *, actor: User | None, how: str) -> ExternalIdentity:
    identity = ExternalIdentity(user_id=user.id, provider=provider.id, subject=claims.subject,
                                email=claims.email, last_login_at=utcnow())
    db.session.add(identity)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError as exc:
        raise SignInRefused(_("Your account is already connected to another %(provider)s account.",
                              provider=provider.label)) from exc
    record_action(actor, "sso.link", "user", user.id,
                  after={"provider": provider.id, "email": claims.email, "how": how})
    return identity


# --- groups -> roles and staff groups -----------------------------------------------------------

def wanted_role(provider: Provider, groups: tuple[str, ...]) -> str | None:
    """The role the provider's groups give, or None when the provider does not manage roles."""
    if not provider.group_roles:
        return None
    roles = [Role(provider.group_roles[g]) for g in groups if g in provider.group_roles]
    return max(roles, key=lambda r: ROLE_RANK[r], default=Role.MEMBER).value


def _last_admin(user: User) -> bool:
    others = db.session.scalar(select(func.count(User.id)).where(User.role == Role.ADMIN, User.id != user.id))
    return not others


def sync_groups(provider: Provider, user: User, groups: tuple[str, ...]) -> None:
    """Roles and the managed staff groups as the provider's groups say, audited (the caller commits)."""
    role = wanted_role(provider, groups)
    if role is not None and role != user.role:
        if user.role == Role.ADMIN and _last_admin(user):
            # Never lock the forum out: the last administrator keeps the role (and with it the
            # break-glass password sign-in) until another one is named here.
            log.warning("OIDC provider %s: groups would demote %s, the last administrator: kept",
                        provider.id, user.username)
            record_action(None, "sso.role_sync_kept", "user", user.id, before={"role": user.role},
                          after={"role": user.role, "wanted": role, "provider": provider.id})
        else:
            record_action(None, "sso.role_sync", "user", user.id, before={"role": user.role},
                          after={"role": role, "provider": provider.id})
            user.role = role
    if provider.group_staff_groups:
        wanted = {provider.group_staff_groups[g] for g in groups if g in provider.group_staff_groups}
        added, removed, missing = lookup(StaffGroupSync)(user, wanted, provider.managed_staff_groups)
        if added or removed:
            record_action(None, "sso.staff_groups", "user", user.id,
                          after={"provider": provider.id, "added": added, "removed": removed})
        for name in missing:
            log.warning("OIDC provider %s maps to staff group %r, which does not exist", provider.id, name)


# --- a new member -------------------------------------------------------------------------------

@dataclass(frozen=True)
class PendingAccount:
    """A verified sign-in with no account yet, kept in the signed session until completed."""

    provider: str
    claims: ProviderClaims
    id_token: str
    next_url: str
    created: float

    def as_session(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_session(cls, data: Any) -> PendingAccount | None:
        try:
            claims = ProviderClaims(**{**data["claims"], "groups": tuple(data["claims"]["groups"])})
            pending = cls(**{**data, "claims": claims})
        except (TypeError, KeyError):
            return None
        return pending


def suggest_username(claims: ProviderClaims) -> str:
    """A free, valid username from the claims if one comes easily (the member can change it)."""
    sources = [claims.username, (claims.email or "").split("@")[0], claims.name]
    for source in sources:
        base = unicodedata.normalize("NFKC", source or "")
        base = USERNAME_CHARS.sub("", base.replace(" ", "_"))[:20].strip("._-")
        if len(base) < 3:
            continue
        for candidate in [base] + [f"{base[:18]}{n}" for n in range(2, 10)]:
            try:
                return validate_username(candidate)
            except ValidationFailed:
                continue
    return ""


@dataclass(frozen=True)
class Completion:
    username: str
    display_name: str
    accepted_coc_version: int
    coc_language: str | None
    email: str | None = None  # asked only when the provider gave none
    timezone: str | None = None
    ip: str | None = None


def complete_account(provider: Provider, pending: PendingAccount, form: Completion) -> User:
    """Create the member and their identity in one transaction (the accounts domain's rules),
    then the confirmation mail when the provider did not vouch for the email."""
    if find_identity(provider.id, pending.claims.subject) is not None:
        raise SignInRefused(_("This %(provider)s account already has an account here: sign in again.",
                              provider=provider.label))
    email = pending.claims.email or form.email or ""
    email_verified = pending.claims.email_verified and bool(pending.claims.email)
    if _email_owner(email) is not None:
        if pending.claims.email:
            raise SignInRefused(collision_message(provider))
        raise ValidationFailed({"email": _("This email is already registered.")})
    try:
        user = external.register_external(external.ExternalRegistration(
            username=form.username, email=email, email_verified=email_verified,
            display_name=form.display_name or pending.claims.name, accepted_coc_version=form.accepted_coc_version,
            coc_language=form.coc_language, locale=pending.claims.locale, timezone=form.timezone, ip=form.ip))
        _link(user, provider, pending.claims, actor=user, how="new_account")
        sync_groups(provider, user, pending.claims.groups)
        visits.note_visit(user.id)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    external.after_external_registration(user)
    return user


# --- connected accounts (settings) --------------------------------------------------------------

def identities_of(user: User) -> list[ExternalIdentity]:
    return list(db.session.scalars(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                                   .order_by(ExternalIdentity.provider)))


def connect(user: User, provider: Provider, claims: ProviderClaims) -> ExternalIdentity:
    """The signed-in member connects their account at ``provider`` (they proved both sides)."""
    identity = find_identity(provider.id, claims.subject)
    if identity is not None and identity.user_id != user.id:
        raise SignInRefused(_("This %(provider)s account is already connected to another member here.",
                              provider=provider.label))
    if identity is None:
        identity = _link(user, provider, claims, actor=user, how="settings")
    identity.last_login_at = utcnow()
    sync_groups(provider, user, claims.groups)
    db.session.commit()
    return identity


def can_disconnect(user: User, identity: ExternalIdentity) -> bool:
    others = db.session.scalar(select(func.count(ExternalIdentity.id)).where(
        ExternalIdentity.user_id == user.id, ExternalIdentity.id != identity.id)) or 0
    return permissions.can_disconnect(user, identity, other_identities=int(others),
                                      has_password=external.has_usable_password(user),
                                      password_allowed=external.password_sign_in_open(user))


def disconnect(user: User, identity_id: int) -> ExternalIdentity:
    identity = db.session.get(ExternalIdentity, identity_id)
    if identity is None or identity.user_id != user.id:
        raise NotFound()
    if not can_disconnect(user, identity):
        raise ValidationFailed(_("This is your only way to sign in. Choose a password first (Settings → "
                                 "Choose a password), then disconnect."))
    record_action(user, "sso.unlink", "user", user.id, before={"provider": identity.provider,
                                                                  "email": identity.email})
    db.session.delete(identity)
    db.session.commit()
    return identity


def session_pending(data: Any, provider: Provider | None, max_age: float, now: float) -> PendingAccount | None:
    pending = PendingAccount.from_session(data) if isinstance(data, dict) else None
    if pending is None or provider is None or pending.provider != provider.id or now - pending.created > max_age:
        return None
    return pending

