"""Account rules: registration, email verification, sign-in, password reset, code of conduct.

Views call one function here per request; everything that decides lives here.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, format_timedelta, ngettext
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from forum import markup, outbox
from forum.dates import absolute
from forum.db_types import utcnow
from forum.errors import NotFound, ValidationFailed
from forum.extensions import db
from forum.i18n import known_timezones
from forum.i18n_content import member_language
from forum.mail import send_mail
from forum.plugins import Draft, FilterContext, VerdictKind
from forum.plugins.manager import fire, run_filters
from forum.registry import lookup
from forum.text import scripts_of, skeleton, strip_invisible
from forum.urls import external_url

from . import preferences, states, throttle, visits
from .code_of_conduct import (
    AcceptancePage,
    accept_coc,
    coc_acceptances,
    coc_languages,
    coc_versions_with_counts,
    current_coc,
    current_coc_version,
    get_coc,
    needs_coc_acceptance,
    publish_coc,
    reading_language,
    record_acceptance,
)
from .interfaces import JudgedKind, Judgement, JudgementRecorder, SuspensionReason
from .lookalikes import RESERVED_USERNAMES, check_display_name, community_name, looks_reserved, looks_taken
from .models import PERMANENT, CodeOfConductAcceptance, Role, User, new_session_token
from .sessions import revoke_all_sessions

__all__ = ["RESERVED_USERNAMES", "AcceptancePage", "accept_coc", "coc_acceptances",  # re-exported
           "coc_languages", "coc_versions_with_counts", "community_name", "current_coc", "current_coc_version",
           "get_coc", "needs_coc_acceptance", "publish_coc", "reading_language"]

USERNAME_RE = re.compile(r"^[\w.-]{3,20}$")
# Scripts that are written together in one name (Japanese, Korean); any other mix is refused.
SCRIPT_FAMILIES = (frozenset({"CJK", "HIRAGANA", "KATAKANA", "KATAKANA-HIRAGANA"}), frozenset({"CJK", "HANGUL"}))
MIN_PASSWORD = 10
MAX_PASSWORD = 200
MAX_EMAIL = 254
MAX_DISPLAY_NAME = 64
# The words leaked-password lists start with; a password made of one of them plus digits or
# symbols falls to the first guesses of any attacker.
COMMON_PASSWORD_WORDS = frozenset({
    "password", "passwort", "motdepasse", "passw", "qwerty", "qwertz", "azerty", "qwertyuiop", "asdfghjkl",
    "letmein", "welcome", "benvenuto", "bienvenue", "iloveyou", "admin", "administrator", "monkey",
    "dragon", "football", "baseball", "calcio", "sunshine", "princess", "trustno", "starwars", "superman",
    "master", "shadow", "secret", "segreto", "changeme", "default", "login", "abc", "abcdef", "ciao",
    "forum", "circolo", "juventus", "napoli", "soleil", "chocolate",
})
SEQUENCES = ("0123456789012", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
             "azertyuiopqsdfghjklmwxcvbn", "1qaz2wsx3edc4rfv5tgb")
# Control characters (tab and newline aside) break databases (PostgreSQL refuses NUL) and layouts.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


# --- lookups ---------------------------------------------------------------------------------

def clean_text(text: str, *, multiline: bool = False) -> str:
    """User input without control or invisible characters (and without newlines unless multiline)."""
    text = CONTROL_RE.sub("", text or "")
    if not multiline:
        text = " ".join(text.split())
    return text


def canonical_username(name: str) -> str:
    return skeleton(name)


def canonical_email(email: str) -> str:
    return email.strip().casefold()


def find_by_username(name: str) -> User | None:
    name = clean_text(name)
    if not name or len(name) > 64:
        return None
    return db.session.scalar(select(User).where(User.username_canonical == canonical_username(name)))


def find_by_usernames(names: Iterable[str]) -> dict[str, User]:
    """Each of ``names`` that is a member's username -> that member, in one query (a "To" field's
    list); names nobody has are missing from the answer."""
    wanted = {canonical_username(clean_text(n)): n for n in names if clean_text(n) and len(n) <= 64}
    if not wanted:
        return {}
    users = db.session.scalars(select(User).where(User.username_canonical.in_(list(wanted))))
    return {wanted[user.username_canonical]: user for user in users}


def find_by_login(identifier: str) -> User | None:
    """Username or email, whichever the member typed."""
    identifier = clean_text(identifier).strip()
    if not identifier or len(identifier) > MAX_EMAIL:
        return None
    if "@" in identifier:
        return db.session.scalar(select(User).where(User.email_canonical == canonical_email(identifier)))
    return find_by_username(identifier)


def resolve_usernames(names: Iterable[str]) -> dict[str, str]:
    """Lower-cased candidate names -> canonical spelling, in one query (for @mentions)."""
    wanted = {canonical_username(n): n.lower() for n in names}
    if not wanted:
        return {}
    rows = db.session.execute(
        select(User.username_canonical, User.username).where(User.username_canonical.in_(wanted))
    )
    return {wanted[canon]: username for canon, username in rows}


# --- validation --------------------------------------------------------------------------------

def _single_script(scripts: set[str]) -> bool:
    return len(scripts) <= 1 or any(scripts <= family for family in SCRIPT_FAMILIES)


def is_reserved(canon: str) -> bool:
    # "ad.min" and "staff_" read as the reserved word, so separators do not count.
    return canon in RESERVED_USERNAMES or canon.strip("._-").replace(".", "").replace("-", "").replace(
        "_", "") in RESERVED_USERNAMES


def validate_username(name: str, *, allow_reserved: bool = False) -> str:
    """Return the cleaned username or raise ValidationFailed with a message for the form.

    ``allow_reserved`` is for the operator's command line, never for the public form.
    """
    raw = unicodedata.normalize("NFKC", name.strip())
    cleaned = unicodedata.normalize("NFKC", strip_invisible(name.strip()))
    if cleaned != raw or CONTROL_RE.search(raw):
        raise ValidationFailed({"username": _("Usernames cannot contain invisible characters.")})
    if not USERNAME_RE.match(cleaned) or cleaned[0] in ".-" or cleaned[-1] in ".-":
        raise ValidationFailed({"username": _(
            "Use 3 to 20 letters, digits, dots, dashes or underscores, starting and ending with a "
            "letter or digit.")})
    if not _single_script(scripts_of(cleaned)):
        raise ValidationFailed({"username": _("Usernames cannot mix alphabets (for example Latin and "
                                              "Cyrillic letters).")})
    canon = canonical_username(cleaned)
    if not allow_reserved and (is_reserved(canon) or looks_reserved(cleaned)):
        raise ValidationFailed({"username": _("This username is reserved.")})
    # Two checks: the canonical form is what the unique constraint holds; the lookalike
    # skeleton also catches "dem0-admin", "demo-admín" and "giuIia" (forum.accounts.lookalikes).
    if db.session.scalar(select(User.id).where(User.username_canonical == canon)) or looks_taken(cleaned):
        raise ValidationFailed({"username": _("This username is taken, or looks too much like one that "
                                              "is.")})
    return cleaned


def validate_password(password: str, *, username: str = "", email: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({"password": _("Use at least %(n)d characters.", n=MIN_PASSWORD)})
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed({"password": _("Use at most %(n)d characters.", n=MAX_PASSWORD)})
    lowered = password.casefold()
    local_part = email.split("@", maxsplit=1)[0].casefold() if email else ""
    if (username and username.casefold() in lowered) or (len(local_part) >= 3 and local_part in lowered):
        raise ValidationFailed({"password": _("Your password must not contain your username or email.")})
    letters = re.sub(r"[\W\d_]+", "", lowered)
    if (len(set(password)) < 4 or letters in COMMON_PASSWORD_WORDS or (not letters and len(set(password)) < 8)
            or any(lowered in seq or lowered in seq[::-1] for seq in SEQUENCES)):
        raise ValidationFailed({"password": _("This password is too common or too easy to guess. Try a "
                                              "few unrelated words.")})


def validate_email(email: str) -> str:
    email = email.strip()
    if len(email) > MAX_EMAIL or CONTROL_RE.search(email) or "@" not in email:
        raise ValidationFailed({"email": _("This does not look like an email address.")})
    return email


def clean_display_name(display_name: str) -> str:
    name = unicodedata.normalize("NFKC", strip_invisible(clean_text(display_name))).strip()
    if len(name) > MAX_DISPLAY_NAME:
        raise ValidationFailed({"display_name": _("Use at most %(n)d characters.", n=MAX_DISPLAY_NAME)})
    return name


# --- registration ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    display_name: str
    accepted_coc_version: int
    locale: str | None = None
    coc_language: str | None = None  # the language the code of conduct was shown in
    timezone: str | None = None
    ip: str | None = None
    answers: dict[str, str] | None = None


class EmailAlreadyRegistered(Exception):
    """Raised after mailing the owner; the view shows the same page as a success."""


@dataclass(frozen=True)
class NewMember:
    """What every way of joining gives: the registration form, or a sign-in provider
    (forum.accounts.external) with ``password=None`` and maybe an address it vouches for."""

    username: str
    email: str
    display_name: str
    accepted_coc_version: int
    password: str | None = None  # None: no local password (an unusable hash)
    email_verified: bool = False  # the identity provider vouches for the address
    locale: str | None = None
    coc_language: str | None = None
    timezone: str | None = None
    ip: str | None = None
    answers: dict[str, str] | None = None


class EmailTaken(Exception):
    """The address belongs to ``owner``; each caller answers in its own way."""

    def __init__(self, owner: User) -> None:
        super().__init__(owner.id)
        self.owner = owner


# werkzeug's check_password_hash answers False for a hash without a method ("$" separated):
# no password matches it. The random part keeps two such accounts' rows distinct.
UNUSABLE_PREFIX = "!external:"


def unusable_password() -> str:
    return UNUSABLE_PREFIX + secrets.token_urlsafe(16)


def has_usable_password(user: User) -> bool:
    return not user.password_hash.startswith(UNUSABLE_PREFIX)


def create_member(data: NewMember) -> User:
    """Registration's rules, the one place they live: the current code of conduct accepted, the
    username, email, password and display name validators, the registration filters (which may
    hold the account for review), then the member, their acceptance and the filters' judgement,
    flushed in the caller's transaction (the caller commits, or rolls back on IntegrityError).
    Raises ValidationFailed (form fields as keys) or EmailTaken."""
    current = current_coc()
    if current is None or data.accepted_coc_version != current.version:
        raise ValidationFailed({"accept_coc": _("A new version of the code of conduct was published. "
                                                "Please read it and tick the box again.")})
    username = validate_username(data.username)
    email = validate_email(data.email)
    if data.password is not None:
        validate_password(data.password, username=username, email=email)
    display_name = clean_display_name(data.display_name) or username
    check_display_name(display_name)

    verdict, verdicts = run_filters("forum_filter_registration", form_data={
        "username": username, "email": email, "display_name": display_name,
        "answers": data.answers or {}, "ip": data.ip}, context={"kind": "registration"})
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"": verdict.message or _("Registration is not possible right now.")})
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL

    # Hash before looking the address up, so both answers take as long (no timing oracle).
    password_hash = hash_password(data.password) if data.password is not None else unusable_password()
    email_canon = canonical_email(email)
    existing = db.session.scalar(select(User).where(User.email_canonical == email_canon))
    if existing is not None:
        raise EmailTaken(existing)

    user = User(
        username=username,
        username_canonical=canonical_username(username),
        email=email,
        email_canonical=email_canon,
        password_hash=password_hash,
        display_name=display_name,
        role=Role.MEMBER,
        locale=data.locale,
        timezone=data.timezone,
        **visits.browser_choices(),  # mail in the language the browser asked for, if they keep it
        accepted_coc_version=current.version,
        email_verified_at=utcnow() if data.email_verified else None,
        approved_at=None if held else utcnow(),
    )
    db.session.add(user)
    db.session.flush()
    record_acceptance(user, current, data.coc_language)
    # Part of the write: a held applicant is never left without a review item.
    lookup(JudgementRecorder).record(Judgement(
        kind=JudgedKind.REGISTRATION, subject=user, verdicts=verdicts, held=held,
        context=FilterContext(kind="registration", locale=data.locale, ip=data.ip),
        details={"answers": dict(data.answers or {})}))
    outbox.record("forum_user_registered", user=user)  # fired by the caller after its commit
    return user


def register(data: Registration) -> User:
    """Create a member who accepted the current code of conduct, and mail a verification link.

    A taken email gets the same answer as a free one on the page (no enumeration): the
    owner of that address is mailed instead. The new member is not signed in, so both
    answers are the same page; they sign in with their password (and can read at once).

    The registration filters decide whether the account is held for review ("approve
    members" mode is one of them); the judgement is recorded with the account, in its
    transaction, through the registered :class:`JudgementRecorder`.
    """
    try:
        user = create_member(NewMember(
            username=data.username, email=data.email, display_name=data.display_name,
            accepted_coc_version=data.accepted_coc_version, password=data.password, locale=data.locale,
            coc_language=data.coc_language, timezone=data.timezone, ip=data.ip, answers=data.answers))
        db.session.commit()
    except EmailTaken as exc:
        _mail_existing_owner(exc.owner)
        raise EmailAlreadyRegistered() from exc
    except IntegrityError as exc:
        # Two sign-ups raced for one name or address: answer as if we had seen it first.
        db.session.rollback()
        if db.session.scalar(select(User.id).where(User.username_canonical == canonical_username(data.username))):
            raise ValidationFailed({"username": _("This username is taken, or looks too much like one "
                                                  "that is.")}) from exc
        raise EmailAlreadyRegistered() from exc
    except ValidationFailed:
        raise  # refused before anything was written
    except Exception:
        db.session.rollback()  # no account without its acceptance and its review item
        raise
    send_verification_email(user)
    fire("forum_user_registered", user=user)
    return user


def _mail_existing_owner(user: User) -> None:
    send_mail(user.email, _("Someone tried to register with your email"),
              _("Somebody (maybe you) tried to create an account on %(site)s with this address, "
                "which already has one. If it was you, sign in or reset your password: %(url)s",
                site=community_name(), url=external_url("accounts.reset_request")))
    db.session.commit()  # the message is queued with this commit (forum.mail)


def create_account(username: str, email: str, password: str, *, role: str = "member",
                   display_name: str | None = None, locale: str | None = None) -> User:
    """An account made by the operator (command line, demo): verified, approved, and having
    accepted the current code of conduct. Operators may take reserved names ("admin")."""
    clean = validate_username(username, allow_reserved=True)
    validate_password(password, username=clean, email=email)
    if db.session.scalar(select(User.id).where(User.email_canonical == canonical_email(email))):
        raise ValidationFailed({"email": _("This email is already registered.")})
    version = current_coc_version()
    user = User(username=clean, username_canonical=canonical_username(clean), email=email,
                email_canonical=canonical_email(email), password_hash=hash_password(password),
                display_name=display_name or clean, role=role, email_verified_at=utcnow(), approved_at=utcnow(),
                accepted_coc_version=version, locale=locale)
    db.session.add(user)
    db.session.flush()
    if version:
        db.session.add(CodeOfConductAcceptance(user_id=user.id, coc_version=version))
    db.session.commit()
    return user


# --- signed, expiring, single-use tokens --------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"forum.{purpose}")


def _fingerprint(user: User, purpose: str) -> str:
    # The token dies once the state it was issued for changes: that makes it single-use.
    if purpose == "verify":
        return f"{user.email_canonical}|{bool(user.email_verified_at)}"
    return user.password_hash[-16:]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user, purpose)})


class TokenUsed(ValidationFailed):
    """The link was valid once and has been used (or its account changed since)."""


def read_token(token: str, purpose: str, max_age: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationFailed(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ValidationFailed(_("This link is not valid. Check that you copied all of it.")) from exc
    user_id = data.get("u") if isinstance(data, dict) else None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise ValidationFailed(_("This link is not valid. Check that you copied all of it."))
    if data.get("f") != _fingerprint(user, purpose):
        raise TokenUsed(_("This link was already used. Ask for a new one if you still need it."))
    return user


def _lifetime(seconds: int) -> str:
    return format_timedelta(timedelta(seconds=seconds), threshold=1.0)


def send_verification_email(user: User) -> None:
    link = external_url("accounts.verify_email", token=make_token(user, "verify"))
    send_mail(user.email, _("Confirm your email for %(site)s", site=community_name()),
              _("Hello %(name)s,\n\nconfirm your email address to start posting:\n%(link)s\n\n"
                "The link works once and expires in %(lifetime)s.", name=user.display_name, link=link,
                lifetime=_lifetime(current_app.config["EMAIL_VERIFY_MAX_AGE"])))
    db.session.commit()  # the message is queued with this commit (forum.mail)


def verify_email(token: str) -> User:
    try:
        user = read_token(token, "verify", current_app.config["EMAIL_VERIFY_MAX_AGE"])
    except TokenUsed as exc:
        raise TokenUsed(_("This link was already used: your email address is confirmed.")) from exc
    user.email_verified_at = utcnow()
    publish_bio(user)  # a confirmed member in an open community gets their profile text shown
    db.session.commit()
    return user


def resend_verification(user: User) -> bool:
    """Mail a fresh link; False when there is nothing to confirm."""
    if user.is_verified:
        return False
    send_verification_email(user)
    return True


# --- sign-in and passwords ---------------------------------------------------------------------

_DUMMY_HASHES: dict[str, str] = {}


def hash_password(password: str) -> str:
    """Werkzeug's default (scrypt) unless PASSWORD_HASH_METHOD says otherwise (e.g. on small
    hardware "pbkdf2:sha256:600000")."""
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def _dummy_hash() -> str:
    # A hash of the configured kind to check against when the account does not exist, so the
    # time taken does not tell whether a username is registered.
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("not-a-real-password-circolo", method=method)
    return _DUMMY_HASHES[method]


def authenticate(identifier: str, password: str) -> User:
    """The account, or ValidationFailed with the message to show. Failures count per account
    (accounts.throttle): names that exist and names that don't answer alike."""
    user = find_by_login(identifier)
    key = throttle.login_key(user, identifier)
    if lock := throttle.login_lock(key):
        raise ValidationFailed(_lock_message(lock))
    # The same hash cost whether the account exists, has a password, or signs in elsewhere only
    # (an unusable hash would answer at once: werkzeug refuses it before hashing anything).
    stored = user.password_hash if user is not None and user.password_hash.count("$") >= 2 else None
    if not check_password_hash(stored or _dummy_hash(), password) or user is None or stored is None:
        lock = throttle.record_login_failure(key, user)
        if lock is None:
            raise ValidationFailed(_("Wrong username/email or password."))
        if user is not None and throttle.claim_lock_notice(key):
            _mail_lock_notice(user)
        raise ValidationFailed(_lock_message(lock))
    if user.suspended_until and user.suspended_until > utcnow():
        raise ValidationFailed(suspension_message(user))
    throttle.clear_login_failures(user)
    visits.note_visit(user.id)
    db.session.commit()
    return user


def _lock_message(lock: throttle.LoginLock) -> str:
    return ngettext("Too many failed sign-ins for this account. Try again in %(num)d minute, or reset "
                    "your password to sign in now.",
                    "Too many failed sign-ins for this account. Try again in %(num)d minutes, or reset "
                    "your password to sign in now.", lock.minutes_left)


def _mail_lock_notice(user: User) -> None:
    # In the owner's language: the attacker's browser chose the request's.
    with force_locale(member_language(user)):
        link = external_url("accounts.reset_request")
        send_mail(user.email, _("Sign-in attempts on your %(site)s account", site=community_name()),
                  _("Hello %(name)s,\n\nsomeone tried to sign in to your account with a wrong password "
                    "many times, so we paused sign-in for %(minutes)d minutes. If it was you, wait or "
                    "reset your password:\n%(link)s\n\nIf it was not you, your password held; choosing "
                    "a longer one makes it safer still.", name=user.display_name,
                    minutes=int(current_app.config["LOGIN_LOCK_SECONDS"]) // 60, link=link))
    db.session.commit()  # the message is queued with this commit (forum.mail)


def suspension_message(user: User) -> str:
    """The member learns until when and why (moderation keeps the reason)."""
    reason = lookup(SuspensionReason)(user)
    until = user.suspended_until
    if until is None or until >= PERMANENT:
        message = _("This account is suspended.")
    else:
        message = _("This account is suspended until %(date)s.", date=absolute(until))
    if not reason:
        return message
    # Outside the f-string, so the extractor sees the message.
    return message + " " + _("Reason: %(reason)s", reason=reason)


def request_password_reset(identifier: str) -> None:
    """Mail a reset link if the account exists. The caller shows the same answer either way."""
    user = find_by_login(identifier)
    if user is None or not throttle.allow_reset_mail(user):
        return
    link = external_url("accounts.reset_password", token=make_token(user, "reset"))
    send_mail(user.email, _("Reset your password on %(site)s", site=community_name()),
              _("Hello %(name)s,\n\nto choose a new password open:\n%(link)s\n\n"
                "The link works once and expires in %(lifetime)s. If you did not ask, ignore this "
                "message.", name=user.display_name, link=link,
                lifetime=_lifetime(current_app.config["PASSWORD_RESET_MAX_AGE"])))
    db.session.commit()  # the message is queued with this commit (forum.mail)


def check_reset_token(token: str) -> User:
    """The account a reset link belongs to; ValidationFailed when the link cannot be used."""
    return read_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])


def reset_password(token: str, new_password: str) -> User:
    user = check_reset_token(token)
    _set_password(user, new_password)
    throttle.clear_login_failures(user)
    # Whoever could read the mail could reset: the address is proven, too.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password):
        raise ValidationFailed({"current_password": _("This is not your current password.")})
    if current_password == new_password:
        raise ValidationFailed({"password": _("Choose a password different from the current one.")})
    _set_password(user, new_password)
    db.session.commit()


def _set_password(user: User, new_password: str) -> None:
    validate_password(new_password, username=user.username, email=user.email)
    user.password_hash = hash_password(new_password)
    # Ends every signed-in device and remember-me cookie (the view signs this browser in again).
    # The per-member token rotates too: other domains key rate limits on it.
    user.session_token = new_session_token()
    revoke_all_sessions(user)


def update_profile(user: User, *, display_name: str, bio: str, locale: str | None,
                   timezone: str | None, color_scheme: str | None) -> None:
    display_name = clean_display_name(display_name)
    if not display_name:
        raise ValidationFailed({"display_name": _("Please enter a display name.")})
    if display_name != user.display_name:  # a name kept from before the rule does not block saving
        check_display_name(display_name, user)
    if locale and locale not in current_app.config["SUPPORTED_LOCALES"]:
        raise ValidationFailed({"locale": _("Choose a language from the list.")})
    if timezone and timezone not in known_timezones():
        raise ValidationFailed({"timezone": _("Choose a time zone from the list.")})
    if color_scheme not in (None, *preferences.COLOR_SCHEMES):
        raise ValidationFailed({"color_scheme": _("Choose a colour scheme from the list.")})
    bio = clean_text(bio, multiline=True).strip()
    if len(bio) > 4000:
        raise ValidationFailed({"bio": _("Use at most %(n)d characters.", n=4000)})
    try:
        user.display_name = display_name
        user.locale = locale or None
        user.timezone = timezone or None
        user.color_scheme = color_scheme
        if bio != (user.bio or ""):
            _judge_bio(user, bio)
        db.session.commit()
    except Exception:
        db.session.rollback()  # nothing half-saved: the form shows the error with the text kept
        raise


def _judge_bio(user: User, bio: str) -> None:
    """Profile text goes through the same filters as a post. Held text is kept in ``bio`` (the
    member sees and can edit it) while the page keeps showing the last published text until a
    moderator approves it (:func:`publish_bio`)."""
    context = FilterContext(kind="profile", locale=user.locale)
    verdict, verdicts = run_filters("forum_filter_post", draft=Draft(raw=bio), author=user, context=context)
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"bio": verdict.message or _("This text cannot be published.")})
    for v in verdicts:
        if v.kind == VerdictKind.REWRITE and v.new_source is not None:
            bio = v.new_source
    user.bio = bio[:4000]
    held = verdict.kind == VerdictKind.REQUIRE_APPROVAL
    if not held:
        publish_bio(user)
    db.session.flush()
    lookup(JudgementRecorder).record(Judgement(kind=JudgedKind.PROFILE, subject=user, verdicts=verdicts,
                                               context=context, held=held))


def publish_bio(user: User) -> None:
    """Show the member's current profile text on their page (the caller commits).

    Only accounts that are members get public text: an unverified, pending or rejected
    account keeps its text in ``bio`` (its own settings form shows it) but nothing is
    published, so throwaway sign-ups cannot use profiles for links. Silenced and suspended
    members keep the text they had. Call again when the state changes (approval does)."""
    unapproved = (states.MemberState.UNVERIFIED, states.MemberState.PENDING, states.MemberState.REJECTED)
    if states.member_state(user) in unapproved or not user.bio:
        user.bio_html = ""
        return
    user.bio_html = markup.cook(user.bio, resolve_users=resolve_usernames).html


def set_locale(user: Any, locale: str) -> None:
    if user.is_authenticated and locale in current_app.config["SUPPORTED_LOCALES"]:
        user.locale = locale
        db.session.commit()


def get_user_or_404(username: str) -> User:
    user = find_by_username(username)
    if user is None:
        raise NotFound()
    return user
