"""Sign-in with the brand's identity providers (OpenID Connect). Being built: issue 14."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    pass
