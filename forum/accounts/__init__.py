"""Accounts: members, registration, sign-in, the code of conduct, member preferences."""

from __future__ import annotations

from flask import Flask

from forum.extensions import login_manager

from .models import AnonymousUser
from .services import load_user
from .views import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    login_manager.anonymous_user = AnonymousUser
    login_manager.user_loader(load_user)
