"""Accounts whose sign-in lives elsewhere (the sso domain's OpenID Connect providers).

The same rules as :func:`forum.accounts.services.register`: the username, email and display
name validators, the registration filters and their judgement, the code-of-conduct acceptance.
What differs: no local password (an unusable hash, so no password ever matches until the member
sets one through a reset), and an email the provider says is verified needs no confirmation mail.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.plugins import FilterContext, VerdictKind
from forum.plugins.manager import fire, run_filters
from forum.registry import contributions, lookup

from . import visits
from .code_of_conduct import current_coc, record_acceptance
from .interfaces import ExternalSignIn, JudgedKind, Judgement, JudgementRecorder
from .lookalikes import check_display_name
from .models import Role, User
from .services import (
    _suspension_message,
    canonical_email,
    canonical_username,
    clean_display_name,
    send_verification_email,
    validate_email,
    validate_username,
)

# werkzeug's check_password_hash answers False for a hash without a method ("$" separated):
# no password matches it. The random part keeps two such accounts' rows distinct.
UNUSABLE_PREFIX = "!external:"


def unusable_password() -> str:
    return UNUSABLE_PREFIX + secrets.token_urlsafe(16)


def has_usable_password(user: User) -> bool:
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


@dataclass(frozen=True)
class ExternalRegistration:
    username: str
    email: str
    email_verified: bool  # the provider vouches for the address
    display_name: str
    accepted_coc_version: int
    coc_language: str | None = None
    locale: str | None = None
    timezone: str | None = None
    ip: str | None = None


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email_canonical == canonical_email(email))) is not None


def register_external(data: ExternalRegistration) -> User:
    """Create the member in the caller's transaction (flushed, not committed: the caller adds the
    external identity and commits both). Raises ValidationFailed with form fields as keys."""
    current = current_coc()
    if current is None or data.accepted_coc_version != current.version:
        raise ValidationFailed({"accept_coc": _("A new version of the code of conduct was published. "
                                                "Please read it and tick the box again.")})
    username = validate_username(data.username)
    email = validate_email(data.email)
    display_name = clean_display_name(data.display_name) or username
    check_display_name(display_name)
    if email_taken(email):
        # The caller decided before (never linked by a display name, only by verified emails).
        raise ValidationFailed({"email": _("This email is already registered.")})
    verdict, verdicts = run_filters("forum_filter_registration", form_data={
        "username": username, "email": email, "display_name": display_name, "answers": {}, "ip": data.ip},
        context={"kind": "registration"})
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"": verdict.message or _("Registration is not possible right now.")})
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL
    user = User(username=username, username_canonical=canonical_username(username), email=email,
                email_canonical=canonical_email(email), password_hash=unusable_password(),
                display_name=display_name, role=Role.MEMBER, locale=data.locale, timezone=data.timezone,
                **visits.browser_choices(), accepted_coc_version=current.version,
                email_verified_at=utcnow() if data.email_verified else None,
                approved_at=None if held else utcnow())
    db.session.add(user)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"username": _("This username is taken, or looks too much like one that "
                                              "is.")}) from exc
    record_acceptance(user, current, data.coc_language)
    lookup(JudgementRecorder).record(Judgement(
        kind=JudgedKind.REGISTRATION, subject=user, verdicts=verdicts, held=held,
        context=FilterContext(kind="registration", locale=data.locale, ip=data.ip), details={"answers": {}}))
    return user


def after_external_registration(user: User) -> None:
    """Once committed: the confirmation mail for an address the provider did not vouch for,
    and the same event as a registration."""
    if not user.is_verified:
        send_verification_email(user)
    fire("forum_user_registered", user=user)


def members_use_passwords() -> bool:
    """False in "SSO only" mode: members sign in at the provider and nobody registers here."""
    return all(ext.members_use_passwords() for ext in contributions(ExternalSignIn))


def password_sign_in_open(user: User | None) -> bool:
    """Whether ``user`` may sign in with a password here (in "SSO only" mode: admins only)."""
    return all(ext.password_sign_in_allowed(user) for ext in contributions(ExternalSignIn))


def sign_in_refusal(user: User) -> str | None:
    """Why ``user`` may not sign in at all now, wherever they authenticated (a suspension)."""
    if user.suspended_until and user.suspended_until > utcnow():
        return _suspension_message(user)
    return None
