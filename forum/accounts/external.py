"""Accounts whose sign-in lives elsewhere (the sso domain's OpenID Connect providers).

The same rules as :func:`forum.accounts.services.register`, from the one function that holds
them (:func:`forum.accounts.services.create_member`).
What differs: no local password (an unusable hash, so no password ever matches until the member
sets one through a reset), and an email the provider says is verified needs no confirmation mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from forum.db_types import utcnow
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.plugins.manager import fire
from forum.registry import contributions

from .interfaces import ExternalSignIn
from .models import User
from .services import (
    EmailTaken,
    NewMember,
    canonical_email,
    create_member,
    has_usable_password,
    send_verification_email,
    suspension_message,
    unusable_password,
)

__all__ = ["ExternalRegistration", "after_external_registration", "email_taken", "has_usable_password",
           "members_use_passwords", "password_sign_in_open", "register_external", "sign_in_refusal",
           "unusable_password"]  # the password helpers are re-exported for forum.sso


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
    external identity and commits both), by registration's rules
    (:func:`~forum.accounts.services.create_member`). Raises ValidationFailed with form fields as keys."""
    try:
        return create_member(NewMember(
            username=data.username, email=data.email, display_name=data.display_name,
            accepted_coc_version=data.accepted_coc_version, password=None, email_verified=data.email_verified,
            locale=data.locale, coc_language=data.coc_language, timezone=data.timezone, ip=data.ip))
    except EmailTaken as exc:
        # The caller decided before (never linked by a display name, only by verified emails).
        raise ValidationFailed({"email": _("This email is already registered.")}) from exc
    except IntegrityError as exc:
        db.session.rollback()
        raise ValidationFailed({"username": _("This username is taken, or looks too much like one that "
                                              "is.")}) from exc


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
        return suspension_message(user)
    return None
