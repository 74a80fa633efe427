"""Shared helpers for the account, admin and security tests (not a test module)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from forum.accounts import services
from forum.accounts.models import User
from forum.extensions import db

CSRF_VALUE_RE = re.compile(r'(name="csrf_token"[^>]*value=")[^"]+(")')
STRONG_PASSWORD = "violet tram under snow"
# scrypt takes about half a second on small machines; tests that hash a lot use a cheap method.
FAST_HASH = {"PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"}


def register_data(client: Any, **overrides: Any) -> dict[str, Any]:
    """A complete, valid registration form as a browser would send it (token and version included)."""
    data = {
        "csrf_token": client.csrf_token(),
        "username": "giulia",
        "display_name": "Giulia Rossi",
        "email": "giulia@example.org",
        "password": STRONG_PASSWORD,
        "coc_version": str(services.current_coc_version()),
        "accept_coc": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def register(client: Any, **overrides: Any) -> Any:
    return client.post("/register", data=register_data(client, **overrides))


def user(username: str) -> User | None:
    db.session.expire_all()
    return services.find_by_username(username)


def mail_link(outbox: list[Any], path_prefix: str, to: str | None = None) -> str:
    """The path (and query) of the newest link in the outbox starting with ``path_prefix``."""
    for message in reversed(outbox):
        if to and message.to != to:
            continue
        for url in re.findall(r"https?://\S+", message.body):
            parts = urlsplit(url)
            if parts.path.startswith(path_prefix):
                return parts.path + (f"?{parts.query}" if parts.query else "")
    raise AssertionError(f"no mail with a link to {path_prefix!r} in {[m.subject for m in outbox]}")


def old_token(user: User, purpose: str, age_seconds: int) -> str:
    """A token exactly like the service's, but signed ``age_seconds`` ago."""
    import time

    class PastSigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - age_seconds

    from flask import current_app

    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"forum.{purpose}",
                                        signer=PastSigner)
    return serializer.dumps({"u": user.id, "f": services._fingerprint(user, purpose)})


def is_logged_in(client: Any) -> bool:
    """Whether the client's cookies sign someone in (settings needs a login)."""
    return client.get("/settings").status_code == 200


def normalise(html: str) -> str:
    """A page without its per-session parts (CSRF tokens), for comparing two answers."""
    return CSRF_VALUE_RE.sub(r"\1TOKEN\2", html)


def text(response: Any) -> str:
    return response.get_data(as_text=True)
