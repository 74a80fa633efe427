"""Notifications: in-app notices, mailed when asked, in the recipient's language."""

from __future__ import annotations

from flask import Flask

from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
