"""Unsubscribing from mail without signing in: signed links, one-click (RFC 8058), the page's choices.

Every mail a member may turn off (the notice of an optional kind, :func:`.preferences.is_optional`,
and the summary) carries::

    List-Unsubscribe: <https://community.example.com/email/unsubscribe/TOKEN>
    List-Unsubscribe-Post: List-Unsubscribe=One-Click

The token is signed (itsdangerous, salted for this purpose only), expires after
:data:`MAX_AGE`, and says whose preferences it may change and which ones: the member's id, the
purpose (``kind:<name>`` or ``digest``) and a keyed fingerprint of the member's email address
(a token mailed to an address stops working once the member changes it). It is the only thing
that chooses the member: a signed-in visitor opening someone else's link changes the link
owner's mail, nobody else's, and a link cannot be turned into another member's or another
purpose's without the secret key.

Mail about the member's own account (verification, reset, sanctions, application decisions:
kinds without a label, or ``transactional``) has no such link.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from forum.accounts.models import User
from forum.extensions import db
from forum.urls import external_url

from . import preferences
from .kinds import NotificationKind, find_kind

SALT = "forum.email-unsubscribe"
MAX_AGE = 90 * 24 * 3600  # mail is read late, and a summary is kept
DIGEST = "digest"
KIND_PREFIX = "kind:"
ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")
ENDPOINT = "notification_prefs.unsubscribe_page"

# What the page may do with a valid link.
STOP_KIND, STOP_ALL, SET_DIGEST = "kind", "all", "digest"


class BadLink(Exception):
    """The link is forged, altered, expired, or its account or address changed since."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


@dataclass(frozen=True)
class Unsubscribe:
    """What a valid link is for."""

    user: User
    purpose: str
    kind: NotificationKind | None  # None for the summary

    @property
    def is_digest(self) -> bool:
        return self.kind is None


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _address_mark(user: Any) -> str:
    """A keyed fingerprint of the address (the token's payload is readable, the address is not)."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, f"{SALT}|{user.email_canonical}".encode(), hashlib.sha256).hexdigest()[:20]


def masked_address(email: str) -> str:
    """"a•••@example.com": enough for the owner to recognise, not the whole address for whoever
    holds the link."""
    local, _sep, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def kind_purpose(kind: NotificationKind) -> str:
    return KIND_PREFIX + kind.name


def make_token(user: Any, purpose: str) -> str:
    return _serializer().dumps({"u": user.id, "p": purpose, "e": _address_mark(user)})


def unsubscribe_url(user: Any, purpose: str) -> str:
    return external_url(ENDPOINT, token=make_token(user, purpose))


def mail_headers(user: Any, purpose: str) -> dict[str, str]:
    """The RFC 2369 / RFC 8058 headers of a mail the member may turn off."""
    return {"List-Unsubscribe": f"<{unsubscribe_url(user, purpose)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def read_token(token: str) -> Unsubscribe:
    """The link's member and purpose, or :class:`BadLink`."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE)
    except SignatureExpired as exc:
        raise BadLink(expired=True) from exc
    except BadSignature as exc:
        raise BadLink() from exc
    if not isinstance(data, dict):
        raise BadLink()
    user_id, purpose, mark = data.get("u"), data.get("p"), data.get("e")
    user = db.session.get(User, user_id) if isinstance(user_id, int) and not isinstance(user_id, bool) else None
    if user is None or not isinstance(purpose, str) or not isinstance(mark, str):
        raise BadLink()
    if not hmac.compare_digest(mark, _address_mark(user)):
        raise BadLink()  # the address changed since the mail was sent
    if purpose == DIGEST:
        return Unsubscribe(user, purpose, None)
    kind = find_kind(purpose.removeprefix(KIND_PREFIX)) if purpose.startswith(KIND_PREFIX) else None
    if kind is None or not preferences.is_optional(kind):
        raise BadLink()
    return Unsubscribe(user, purpose, kind)


def one_click(token: str) -> Unsubscribe:
    """RFC 8058: the mail client's POST turns off what the mail was about."""
    link = read_token(token)
    if link.kind is None:
        preferences.set_digest(link.user, preferences.NEVER)
    else:
        preferences.stop_mail_for_kind(link.user, link.kind)
    db.session.commit()
    return link


def apply_choice(token: str, choice: str, digest: str | None = None) -> Unsubscribe:
    """The unsubscribe page's form: stop this kind's mail, stop all optional mail, or set the
    summary's frequency. Unknown choices change nothing."""
    link = read_token(token)
    if choice == STOP_KIND and link.kind is not None:
        preferences.stop_mail_for_kind(link.user, link.kind)
    elif choice == STOP_ALL:
        preferences.pause_all_email(link.user)
    elif choice == SET_DIGEST:
        preferences.set_digest(link.user, digest)
    db.session.commit()
    return link
