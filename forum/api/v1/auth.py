"""Who is calling: an API key (``Authorization: Bearer <key>``) or the site's own session.

* A key acts as its member (:mod:`forum.api.keys`) with the scopes it was given that the
  member's own permissions reach; everything else (what they may read, post, moderate) is the
  domains' permission checks on that member, exactly as for the web pages.
* Without a key, the session cookie (the site's own scripts): the member's scopes are what
  their role allows, and a state-changing request must carry the CSRF token in
  ``X-CSRFToken`` (the blueprint is exempt from the site-wide check only so a key-authenticated
  request needs no token).
* Neither: a visitor, who reads what visitors read.

:func:`caller` authenticates once per request (cached in ``g``); the rate limiter's key
function calls it too, since the limiter runs before the view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import g, request
from flask_babel import gettext as _
from flask_babel import refresh
from flask_login import current_user

from forum.extensions import csrf

from .. import keys
from ..models import ApiKey, KeyKind
from .errors import INSUFFICIENT_SCOPE, ApiError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Caller:
    user: Any                  # the member (or the anonymous user)
    scopes: frozenset[str]     # what this request may do, at most
    key: ApiKey | None = None  # the key used, if any
    via_session: bool = False

    @property
    def is_authenticated(self) -> bool:
        return bool(self.user.is_authenticated)

    @property
    def rate_key(self) -> str:
        """A member's keys and session share one allowance (twenty keys are not twenty times
        the requests); an admin key (an integration) has its own."""
        if self.key is not None and self.key.kind == KeyKind.ADMIN:
            return f"api:key:{self.key.id}"
        if self.is_authenticated:
            return f"api:member:{self.user.id}"
        return f"api:ip:{request.remote_addr}"


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    if not header:
        return None
    if scheme.lower() != "bearer" or not token.strip():
        return ""  # an Authorization header we cannot read: a failed key, not a visitor
    return token.strip()


def caller() -> Caller:
    """The request's caller; raises a 401 ApiError for a key that does not work."""
    found = g.get("api_caller")
    if found is not None:
        return found  # type: ignore[no-any-return]
    if g.get("api_key_failed"):
        raise ApiError(401, _("This API key is not valid, was revoked, or its member may not use the site now."))
    token = _bearer()
    if token is not None:
        auth = keys.authenticate(token) if token else None
        if auth is None:
            g.api_key_failed = True
            raise ApiError(401, _("This API key is not valid, was revoked, or its member may not use the site now."))
        g._login_user = auth.user  # flask_login's current_user is the key's member from here on
        refresh()  # messages in the member's language
        found = Caller(auth.user, auth.scopes, key=auth.key)
        g.api_key_touch = (auth.key.id, auth.key.last_used_at)
    elif current_user.is_authenticated:
        found = Caller(current_user._get_current_object(), frozenset(keys.scopes_allowed_to(current_user)),
                       via_session=True)
    else:
        found = Caller(current_user._get_current_object(), frozenset({"read"}))
    g.api_caller = found
    return found


def rate_key() -> str:
    """The rate limiter's key: an admin key's id, else the member, else the address."""
    try:
        return caller().rate_key
    except ApiError:
        return f"api:ip:{request.remote_addr}"


def require(scopes: tuple[str, ...], *, member: bool) -> Caller:
    """Check the caller for a route: ``member`` routes need someone signed in (401), and every
    scope listed must be the caller's (403); a session's state change needs its CSRF token."""
    who = caller()
    if member and not who.is_authenticated:
        raise ApiError(401)
    if who.via_session and request.method not in SAFE_METHODS:
        csrf.protect()  # raises CSRFError (answered 400, code "csrf"), before anything else is said
    missing = [s for s in scopes if s not in who.scopes]
    if missing:
        if not who.is_authenticated:
            raise ApiError(401)
        raise ApiError(403, _("This key may not do that: it needs the scope %(scopes)s.", scopes=", ".join(missing)),
                       code=INSUFFICIENT_SCOPE)
    return who


def after_request(response: Any) -> Any:
    """Note a key's use (at most once a minute), after the answer is built."""
    pending = g.pop("api_key_touch", None)
    if pending is not None and response.status_code < 500:
        keys.touch(*pending)
    return response
