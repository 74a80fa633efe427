"""Account rules: registration, email verification, sign-in, password reset, code of conduct.

Views call one function here per request; everything that decides lives here.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from flask import current_app, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from forum import markup
from forum.db_types import utcnow
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import db
from forum.mail import send_mail
from forum.plugins import VerdictKind
from forum.plugins.manager import fire, run_filters
from forum.text import scripts_of, skeleton, strip_invisible

from .models import CodeOfConduct, CodeOfConductAcceptance, Role, User, new_session_token

USERNAME_RE = re.compile(r"^[\w.-]{3,20}$")
RESERVED_USERNAMES = frozenset({
    "admin", "administrator", "moderator", "mod", "staff", "support", "system", "root",
    "circolo", "official", "team", "help", "about", "login", "logout", "register", "new",
})
MIN_PASSWORD = 10


# --- lookups ---------------------------------------------------------------------------------

def load_user(login_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session token, so rotating it signs out."""
    user_id, _sep, token = login_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_token != token:
        return None
    if user.suspended_until and user.suspended_until > utcnow():
        return None
    return user


def canonical_username(name: str) -> str:
    return skeleton(name)


def canonical_email(email: str) -> str:
    return email.strip().casefold()


def find_by_username(name: str) -> User | None:
    return db.session.scalar(select(User).where(User.username_canonical == canonical_username(name)))


def find_by_login(identifier: str) -> User | None:
    """Username or email, whichever the member typed."""
    identifier = identifier.strip()
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

def validate_username(name: str) -> str:
    """Return the cleaned username or raise ValidationFailed with a message for the form."""
    cleaned = unicodedata.normalize("NFKC", strip_invisible(name.strip()))
    if cleaned != unicodedata.normalize("NFKC", name.strip()):
        raise ValidationFailed({"username": _("Usernames cannot contain invisible characters.")})
    if not USERNAME_RE.match(cleaned) or cleaned[0] in ".-" or cleaned[-1] in ".-":
        raise ValidationFailed({"username": _(
            "Use 3 to 20 letters, digits, dots, dashes or underscores, starting and ending with a "
            "letter or digit.")})
    if len(scripts_of(cleaned)) > 1:
        raise ValidationFailed({"username": _("Usernames cannot mix alphabets (for example Latin and "
                                              "Cyrillic letters).")})
    canon = canonical_username(cleaned)
    if canon in RESERVED_USERNAMES:
        raise ValidationFailed({"username": _("This username is reserved.")})
    if db.session.scalar(select(User.id).where(User.username_canonical == canon)):
        raise ValidationFailed({"username": _("This username is taken, or looks too much like one that "
                                              "is.")})
    return cleaned


def validate_password(password: str, *, username: str = "", email: str = "") -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed({"password": _("Use at least %(n)d characters.", n=MIN_PASSWORD)})
    lowered = password.casefold()
    if username and username.casefold() in lowered or email and email.split("@")[0].casefold() in lowered:
        raise ValidationFailed({"password": _("Your password must not contain your username or email.")})
    if len(set(password)) < 4:
        raise ValidationFailed({"password": _("This password is too easy to guess.")})


# --- registration ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Registration:
    username: str
    email: str
    password: str
    display_name: str
    accepted_coc_version: int
    locale: str | None = None
    timezone: str | None = None
    ip: str | None = None
    answers: dict[str, str] | None = None


def register(data: Registration) -> User:
    """Create a member who accepted the current code of conduct, and mail a verification link.

    A taken email gets the same answer as a free one on the page (no enumeration): the
    owner of that address is mailed instead.
    """
    current = current_coc()
    if current is None or data.accepted_coc_version != current.version:
        raise ValidationFailed({"accept_coc": _("Please read and accept the current code of conduct.")})
    username = validate_username(data.username)
    validate_password(data.password, username=username, email=data.email)
    display_name = strip_invisible(data.display_name).strip() or username
    if len(display_name) > 64:
        raise ValidationFailed({"display_name": _("Use at most 64 characters.")})

    verdict, _all = run_filters("forum_filter_registration", form_data={
        "username": username, "email": data.email, "display_name": display_name,
        "answers": data.answers or {}, "ip": data.ip}, context={"kind": "registration"})
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"": verdict.message or _("Registration is not possible right now.")})

    email_canon = canonical_email(data.email)
    existing = db.session.scalar(select(User).where(User.email_canonical == email_canon))
    if existing is not None:
        send_mail(existing.email, _("Someone tried to register with your email"),
                  _("Somebody (maybe you) tried to create an account on %(site)s with this address, "
                    "which already has one. If it was you, sign in or reset your password: %(url)s",
                    site=community_name(), url=url_for("accounts.reset_request", _external=True)))
        raise EmailAlreadyRegistered()

    user = User(
        username=username,
        username_canonical=canonical_username(username),
        email=data.email.strip(),
        email_canonical=email_canon,
        password_hash=generate_password_hash(data.password),
        display_name=display_name,
        role=Role.MEMBER,
        locale=data.locale,
        timezone=data.timezone,
        accepted_coc_version=current.version,
    )
    db.session.add(user)
    db.session.flush()
    db.session.add(CodeOfConductAcceptance(user_id=user.id, coc_version=current.version))
    db.session.commit()
    send_verification_email(user)
    fire("forum_user_registered", user=user)
    return user


class EmailAlreadyRegistered(Exception):
    """Raised after mailing the owner; the view shows the same page as a success."""


def community_name() -> str:
    from forum.admin.settings import get_setting

    return get_setting("community_name") or current_app.config["COMMUNITY_NAME"]


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


def read_token(token: str, purpose: str, max_age: int) -> User:
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise ValidationFailed(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise ValidationFailed(_("This link is not valid.")) from exc
    user = db.session.get(User, int(data.get("u", 0)))
    if user is None or data.get("f") != _fingerprint(user, purpose):
        raise ValidationFailed(_("This link has already been used or is no longer valid."))
    return user


def send_verification_email(user: User) -> None:
    link = url_for("accounts.verify_email", token=make_token(user, "verify"), _external=True)
    send_mail(user.email, _("Confirm your email for %(site)s", site=community_name()),
              _("Hello %(name)s,\n\nconfirm your email address to start posting:\n%(link)s\n\n"
                "The link works once and expires in 3 days.", name=user.display_name, link=link))


def verify_email(token: str) -> User:
    user = read_token(token, "verify", current_app.config["EMAIL_VERIFY_MAX_AGE"])
    user.email_verified_at = utcnow()
    db.session.commit()
    return user


# --- sign-in and passwords ---------------------------------------------------------------------

# A fixed hash to compare against when the account does not exist, so timing does not
# tell whether a username is registered.
_DUMMY_HASH = generate_password_hash("not-a-real-password-circolo")


def authenticate(identifier: str, password: str) -> User:
    user = find_by_login(identifier)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise ValidationFailed(_("Wrong username/email or password."))
    if not check_password_hash(user.password_hash, password):
        raise ValidationFailed(_("Wrong username/email or password."))
    if user.suspended_until and user.suspended_until > utcnow():
        raise ValidationFailed(_("This account is suspended until %(date)s.",
                                 date=user.suspended_until.strftime("%Y-%m-%d %H:%M UTC")))
    user.last_seen_at = utcnow()
    db.session.commit()
    return user


def request_password_reset(identifier: str) -> None:
    """Mail a reset link if the account exists. The caller shows the same answer either way."""
    user = find_by_login(identifier)
    if user is None:
        return
    link = url_for("accounts.reset_password", token=make_token(user, "reset"), _external=True)
    send_mail(user.email, _("Reset your password on %(site)s", site=community_name()),
              _("Hello %(name)s,\n\nto choose a new password open:\n%(link)s\n\n"
                "The link works once and expires in 2 hours. If you did not ask, ignore this "
                "message.", name=user.display_name, link=link))


def reset_password(token: str, new_password: str) -> User:
    user = read_token(token, "reset", current_app.config["PASSWORD_RESET_MAX_AGE"])
    _set_password(user, new_password)
    # Whoever could read the mail could reset: the address is proven, too.
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    db.session.commit()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not check_password_hash(user.password_hash, current_password):
        raise ValidationFailed({"current_password": _("This is not your current password.")})
    _set_password(user, new_password)
    db.session.commit()


def _set_password(user: User, new_password: str) -> None:
    validate_password(new_password, username=user.username, email=user.email)
    user.password_hash = generate_password_hash(new_password)
    user.session_token = new_session_token()  # ends every other session and remember-me cookie


def update_profile(user: User, *, display_name: str, bio: str, locale: str | None,
                   timezone: str | None) -> None:
    from forum.i18n import known_timezones

    display_name = strip_invisible(display_name).strip()
    if not display_name:
        raise ValidationFailed({"display_name": _("Please enter a display name.")})
    if locale and locale not in current_app.config["SUPPORTED_LOCALES"]:
        raise ValidationFailed({"locale": _("Choose a language from the list.")})
    if timezone and timezone not in known_timezones():
        raise ValidationFailed({"timezone": _("Choose a time zone from the list.")})
    verdict, _all = run_filters("forum_filter_post", draft=_profile_draft(bio), author=user,
                                context=_profile_context())
    if verdict.kind == VerdictKind.REJECT:
        raise ValidationFailed({"bio": verdict.message})
    if verdict.kind == VerdictKind.REWRITE and verdict.new_source is not None:
        bio = verdict.new_source
    user.display_name = display_name[:64]
    user.bio = bio[:4000]
    user.bio_html = markup.cook(user.bio, resolve_users=resolve_usernames).html
    user.locale = locale or None
    user.timezone = timezone or None
    db.session.commit()


def _profile_draft(bio: str):  # type: ignore[no-untyped-def]
    from forum.plugins import Draft

    return Draft(raw=bio)


def _profile_context():  # type: ignore[no-untyped-def]
    from forum.plugins import FilterContext

    return FilterContext(kind="profile")


# --- code of conduct ---------------------------------------------------------------------------

def current_coc() -> CodeOfConduct | None:
    return db.session.scalar(select(CodeOfConduct).order_by(CodeOfConduct.version.desc()).limit(1))


def current_coc_version() -> int:
    return db.session.scalar(select(func.max(CodeOfConduct.version))) or 0


def needs_coc_acceptance(user: User) -> bool:
    return bool(user.is_authenticated) and user.accepted_coc_version < current_coc_version()


def publish_coc(admin: User, body: str, summary: str) -> CodeOfConduct:
    if not admin.is_admin:
        raise PermissionDenied()
    if len(body.strip()) < 20:
        raise ValidationFailed({"body": _("The code of conduct needs some text (20 characters at least).")})
    version = current_coc_version() + 1
    coc = CodeOfConduct(version=version, body=body, body_html=markup.cook(body).html,
                        summary=summary.strip(), published_by_id=admin.id)
    db.session.add(coc)
    # The admin who publishes it accepts it.
    db.session.add(CodeOfConductAcceptance(user_id=admin.id, coc_version=version))
    admin.accepted_coc_version = version
    db.session.commit()
    return coc


def accept_coc(user: User, version: int) -> None:
    if version != current_coc_version():
        raise ValidationFailed({"accept": _("A newer code of conduct was published; please read it.")})
    exists = db.session.scalar(select(CodeOfConductAcceptance.id).where(
        CodeOfConductAcceptance.user_id == user.id, CodeOfConductAcceptance.coc_version == version))
    if not exists:
        db.session.add(CodeOfConductAcceptance(user_id=user.id, coc_version=version))
    user.accepted_coc_version = version
    db.session.commit()


def coc_acceptances(version: int, *, limit: int = 100, before: datetime | None = None
                    ) -> list[CodeOfConductAcceptance]:
    from sqlalchemy.orm import joinedload

    query = (select(CodeOfConductAcceptance).options(joinedload(CodeOfConductAcceptance.user))
             .where(CodeOfConductAcceptance.coc_version == version))
    if before is not None:
        query = query.where(CodeOfConductAcceptance.accepted_at < before)
    return list(db.session.scalars(query.order_by(CodeOfConductAcceptance.accepted_at.desc()).limit(limit)))


def coc_versions_with_counts() -> list[tuple[CodeOfConduct, int]]:
    counts = (select(CodeOfConductAcceptance.coc_version, func.count().label("n"))
              .group_by(CodeOfConductAcceptance.coc_version).subquery())
    rows = db.session.execute(
        select(CodeOfConduct, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.coc_version == CodeOfConduct.version)
        .order_by(CodeOfConduct.version.desc()))
    return [(coc, int(n)) for coc, n in rows]


def get_user_or_404(username: str) -> User:
    user = find_by_username(username)
    if user is None:
        raise NotFound()
    return user


def set_locale(user: User, locale: str) -> None:
    if locale in current_app.config["SUPPORTED_LOCALES"]:
        user.locale = locale
        db.session.commit()
