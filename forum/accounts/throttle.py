"""Per-account limits that hold whatever IP the attempts come from.

The IP limits in the views (Flask-Limiter) stop one machine; these stop many machines aimed at
one account. Both live in the database table ``account_throttles`` so every worker counts the
same attempts.

Policy:

* **Sign-in failures.** ``LOGIN_FAILURES_BEFORE_LOCK`` wrong passwords for one account within
  ``LOGIN_FAILURE_WINDOW_SECONDS`` lock it for ``LOGIN_LOCK_SECONDS``: while locked even the
  right password is refused (otherwise the lock would still answer the guesser). A name that
  belongs to no account locks the same way, so the answer never tells whether it exists. The
  owner is mailed a notice (at most once a day) with a reset link; resetting the password, or a
  successful sign-in after the lock, clears the count.
* **Reset mails.** At most ``PASSWORD_RESET_MAILS_PER_HOUR`` per account; further requests get
  the usual "if the account exists we sent a link" page and no mail, so nobody can flood an
  inbox through the form.

Keys are HMACs of what is counted (never the typed identifier: people type passwords into the
username box). Counting is SQL arithmetic on one row, so concurrent workers never lose a count.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import case, update
from sqlalchemy.exc import IntegrityError

from forum.db_types import utcnow
from forum.extensions import db

from .models import AccountThrottle, User

log = logging.getLogger("forum.accounts.throttle")

LOCK_NOTICE_INTERVAL = timedelta(days=1)


@dataclass(frozen=True)
class LoginLock:
    until: datetime

    @property
    def minutes_left(self) -> int:
        return max(1, -(-int((self.until - utcnow()).total_seconds()) // 60))


def _key(purpose: str, subject: str) -> str:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"{purpose}:{subject}".encode(), hashlib.sha256).hexdigest()


def login_key(user: User | None, identifier: str) -> str:
    """One key per account whichever identifier was typed (username or email); unknown names
    get their own key so they lock exactly like real accounts."""
    if user is not None:
        return _key("login", f"user:{user.id}")
    return _key("login", f"name:{identifier.strip().casefold()}")


def _count(key: str, window: timedelta) -> AccountThrottle:
    """Add one to ``key``'s counter, starting a new window when the old one has passed."""
    now = utcnow()
    expired = AccountThrottle.window_start < now - window
    stmt = (update(AccountThrottle).where(AccountThrottle.key == key)
            .values(count=case((expired, 1), else_=AccountThrottle.count + 1),
                    window_start=case((expired, now), else_=AccountThrottle.window_start))
            .execution_options(synchronize_session=False))
    if db.session.execute(stmt).rowcount == 0:  # type: ignore[attr-defined]
        try:
            with db.session.begin_nested():
                db.session.add(AccountThrottle(key=key, window_start=now, count=1))
        except IntegrityError:  # another worker inserted it first: count on its row
            db.session.execute(stmt)
    row = db.session.get(AccountThrottle, key, populate_existing=True)
    assert row is not None
    return row


def login_lock(key: str) -> LoginLock | None:
    row = db.session.get(AccountThrottle, key)
    if row is not None and row.locked_until is not None and row.locked_until > utcnow():
        return LoginLock(row.locked_until)
    return None


def record_login_failure(key: str, user: User | None) -> LoginLock | None:
    """Count a wrong password and commit the count; the lock when this failure started one
    (the caller mails the owner, see ``claim_lock_notice``)."""
    config = current_app.config
    row = _count(key, timedelta(seconds=int(config["LOGIN_FAILURE_WINDOW_SECONDS"])))
    lock: LoginLock | None = None
    if row.count >= int(config["LOGIN_FAILURES_BEFORE_LOCK"]):
        now = utcnow()
        row.locked_until = now + timedelta(seconds=int(config["LOGIN_LOCK_SECONDS"]))
        row.count, row.window_start = 0, now  # after the lock, a fresh window
        lock = LoginLock(row.locked_until)
        log.warning("sign-in locked for %s after repeated failures", f"user {user.id}" if user else "an unknown name")
    db.session.commit()
    return lock


def claim_lock_notice(key: str) -> bool:
    """True (and remembered) when the owner has not been told about a lock in the last day."""
    row = db.session.get(AccountThrottle, key)
    now = utcnow()
    if row is None or (row.notified_at is not None and row.notified_at > now - LOCK_NOTICE_INTERVAL):
        return False
    row.notified_at = now
    db.session.commit()
    return True


def clear_login_failures(user: User) -> None:
    """Forget failures and any lock (the caller commits): a reset proved who owns the account."""
    row = db.session.get(AccountThrottle, login_key(user, ""))
    if row is not None:
        row.count, row.locked_until = 0, None


def allow_reset_mail(user: User) -> bool:
    """Count a reset mail for ``user``; False once the hourly allowance is used up."""
    row = _count(_key("reset", f"user:{user.id}"), timedelta(hours=1))
    db.session.commit()
    allowed = row.count <= int(current_app.config["PASSWORD_RESET_MAILS_PER_HOUR"])
    if not allowed:
        log.info("reset mail for user %s not sent: hourly allowance used", user.id)
    return allowed

