"""Member preferences read on every page: the colour scheme.

"light" / "dark" are explicit choices; None follows the device (``prefers-color-scheme``).
Members keep theirs in ``users.color_scheme``; visitors in a cookie set by the footer switch
(a POST). The server renders the choice as ``data-scheme`` on ``<html>``, so the page never
flashes the other scheme and needs no JavaScript.
"""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from forum.extensions import db

COLOR_SCHEMES = ("light", "dark")
SCHEME_COOKIE = "color_scheme"
SYSTEM = "system"  # the switch's value for "follow the device" (stored as NULL / no cookie)


def current_color_scheme() -> str | None:
    """The scheme to render for this request: "light", "dark", or None (the device decides)."""
    if not has_request_context():
        return None
    if current_user.is_authenticated:
        scheme = getattr(current_user, "color_scheme", None)
    else:
        scheme = request.cookies.get(SCHEME_COOKIE)
    return scheme if scheme in COLOR_SCHEMES else None


def normalize(value: str | None) -> str | None:
    """A submitted choice as stored: "light" / "dark", None for the device's; ValueError otherwise."""
    if value in (None, "", SYSTEM):
        return None
    if value in COLOR_SCHEMES:
        return value
    raise ValueError(f"unknown colour scheme {value!r}")


def set_color_scheme(user: Any, scheme: str | None) -> None:
    """Keep a member's choice on the account, so every device they use follows it."""
    if user.is_authenticated and user.color_scheme != scheme:
        user.color_scheme = scheme
        db.session.commit()


def init_app(app: Any) -> None:
    app.jinja_env.globals["color_scheme"] = current_color_scheme
