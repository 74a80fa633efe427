"""Sign-in sessions ("devices"): started at sign-in, checked by the user loader on every
request, ended by logout, by "sign out" on the settings page and by a password change.

Flask-Login keeps ``"<user id>:<token>"`` in the session and in the remember-me cookie; the
token is random per sign-in and the database holds only its SHA-256. A cookie is honoured
only while its row exists, is not revoked and has not expired, so a copied cookie dies with
the session it was copied from (as Discourse's user_auth_tokens and GitHub's sessions do).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app, g
from flask_babel import gettext as _
from sqlalchemy import delete, or_, select, update

from forum.db_types import utcnow
from forum.errors import NotFound
from forum.extensions import db
from forum.text import ascii_int

from .models import AuthSession, User
from .visits import note_visit

# last_seen_at is written at most this often per device: no write per request.
TOUCH_EVERY = timedelta(minutes=5)
# A session without "remember me" ends after this long without a visit (each touch extends it);
# the browser forgets its session cookie on close, but a copy of it would otherwise live forever.
DEFAULT_IDLE_LIFETIME = timedelta(days=14)
# Revoked and expired rows are kept this long (nobody is signed in by them), then pruned.
KEEP_ENDED = timedelta(days=30)
MAX_TOKEN = 100


@dataclass(frozen=True)
class Client:
    """Where a sign-in comes from, as the view saw it."""

    user_agent: str = ""
    ip: str | None = None


@dataclass(frozen=True)
class Device:
    """One row of the settings page's device list."""

    id: int
    label: str
    ip: str | None
    created_at: datetime
    last_seen_at: datetime
    remember: bool
    current: bool


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _seconds(value: Any, default: timedelta) -> timedelta:
    if isinstance(value, timedelta):
        return value
    return timedelta(seconds=int(value)) if value else default


def remember_lifetime() -> timedelta:
    # The same duration as the cookie: the server decides, whatever the cookie claims.
    return _seconds(current_app.config.get("REMEMBER_COOKIE_DURATION"), timedelta(days=30))


def idle_lifetime() -> timedelta:
    return _seconds(current_app.config.get("AUTH_SESSION_IDLE_LIFETIME"), DEFAULT_IDLE_LIFETIME)


def start_session(user: User, *, remember: bool, client: Client) -> str:
    """Record a new signed-in browser for ``user`` and return its token (also set on ``user``
    so Flask-Login's ``login_user`` stores it). Commits."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = AuthSession(user_id=user.id, token_hash=_hash(token), created_at=now, last_seen_at=now,
                      expires_at=now + (remember_lifetime() if remember else idle_lifetime()),
                      user_agent=summarise_user_agent(client.user_agent), ip=(client.ip or None) and client.ip[:45],
                      remember=remember)
    db.session.add(row)
    # Housekeeping on the member's own rows, where a sign-in writes anyway.
    db.session.execute(delete(AuthSession).where(
        AuthSession.user_id == user.id,
        or_(AuthSession.expires_at < now - KEEP_ENDED, AuthSession.revoked_at < now - KEEP_ENDED)))
    db.session.commit()
    _attach(user, token, row.id)
    return token


def _attach(user: User, token: str, session_id: int) -> None:
    user.login_token = token  # type: ignore[attr-defined]
    user.auth_session_id = session_id  # type: ignore[attr-defined]


def load_user(login_id: str) -> User | None:
    """Flask-Login's loader: one query, for the member and their live session together."""
    user_id, _sep, token = login_id.partition(":")
    if ascii_int(user_id) is None or not token or len(token) > MAX_TOKEN:
        return None
    now = utcnow()
    found = db.session.execute(
        select(User, AuthSession.id, AuthSession.last_seen_at, AuthSession.remember)
        .join(AuthSession, AuthSession.user_id == User.id)
        .where(AuthSession.token_hash == _hash(token), User.id == int(user_id),
               AuthSession.revoked_at.is_(None), AuthSession.expires_at > now)).first()
    if found is None:
        return None
    user, session_id, last_seen_at, remember = found
    if user.suspended_until and user.suspended_until > now:
        return None
    _attach(user, token, session_id)
    if now - last_seen_at >= TOUCH_EVERY:
        g.forum_touch_session = (session_id, remember, user.id)
    return user


def _touch(response: Any) -> Any:
    """After the page is built: note the visit (and extend an idle-limited session). A separate
    small write, so the page itself stays one query for the loader. The member's own
    last_seen_at (and previous visit) move with it: :mod:`forum.accounts.visits`."""
    pending = g.pop("forum_touch_session", None)
    if pending is None or response.status_code >= 500:
        return response
    session_id, remember, user_id = pending
    now = utcnow()
    values: dict[str, Any] = {"last_seen_at": now}
    if not remember:
        values["expires_at"] = now + idle_lifetime()
    try:
        db.session.execute(update(AuthSession).where(AuthSession.id == session_id,
                                                     AuthSession.revoked_at.is_(None)).values(**values))
        note_visit(user_id, now)
        db.session.commit()
    except Exception:  # a busy database must not turn a page into an error
        db.session.rollback()
        current_app.logger.warning("could not note the visit of sign-in session %s", session_id, exc_info=True)
    return response


def end_session(user: Any) -> None:
    """Sign out this browser: its cookies, and every copy of them, stop working."""
    session_id = getattr(user, "auth_session_id", None)
    if session_id is None:
        return
    db.session.execute(update(AuthSession).where(AuthSession.id == session_id, AuthSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))
    db.session.commit()


def revoke_session(user: User, session_id: int) -> None:
    """Sign out one of the member's devices (a stranger's id is a 404: no probing)."""
    row = db.session.get(AuthSession, session_id)
    if row is None or row.user_id != user.id or row.revoked_at is not None:
        raise NotFound()
    row.revoked_at = utcnow()
    db.session.commit()


def revoke_other_sessions(user: User) -> int:
    """"Sign out everywhere else": every session but this browser's. Returns how many."""
    query = update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
    current = getattr(user, "auth_session_id", None)
    if current is not None:
        query = query.where(AuthSession.id != current)
    count = db.session.execute(query.values(revoked_at=utcnow())).rowcount  # type: ignore[attr-defined]
    db.session.commit()
    return int(count or 0)


def revoke_all_sessions(user: User) -> None:
    """Every device signs in again (a password change or reset). The caller commits."""
    db.session.execute(update(AuthSession).where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def list_devices(user: Any) -> list[Device]:
    """The member's live sessions, most recently used first (one query)."""
    current = getattr(user, "auth_session_id", None)
    rows = db.session.scalars(select(AuthSession).where(
        AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None), AuthSession.expires_at > utcnow())
        .order_by(AuthSession.last_seen_at.desc(), AuthSession.id.desc()))
    return [Device(id=r.id, label=device_label(r.user_agent), ip=r.ip, created_at=r.created_at,
                   last_seen_at=r.last_seen_at, remember=r.remember, current=r.id == current) for r in rows]


# --- user agents -------------------------------------------------------------------------------

# Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari".
BROWSERS = (("Edg/", "Edge"), ("EdgiOS", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
            ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chrome/", "Chrome"), ("Safari/", "Safari"))
SYSTEMS = (("iPhone", "iOS"), ("iPad", "iPadOS"), ("Android", "Android"), ("Windows", "Windows"),
           ("CrOS", "ChromeOS"), ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"))
_SAFE = re.compile(r"[^\w .-]")


def summarise_user_agent(header: str) -> str:
    """``"Firefox|Linux"``: the two names a member recognises a device by (both may be empty).
    Stored untranslated; :func:`device_label` words it in the reader's language."""
    header = header or ""
    browser = next((name for marker, name in BROWSERS if marker in header), "")
    system = next((name for marker, name in SYSTEMS if marker in header), "")
    return _SAFE.sub("", f"{browser}")[:50] + "|" + _SAFE.sub("", system)[:50]


def device_label(summary: str) -> str:
    browser, _sep, system = (summary or "").partition("|")
    if browser and system:
        return _("%(browser)s on %(system)s", browser=browser, system=system)
    if browser or system:
        return browser or system
    return _("Unknown browser")


def init_app(app: Flask) -> None:
    app.after_request(_touch)
