"""The messages pages (placeholder while the pages are written)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask
from flask_login import current_user

from . import services

bp = Blueprint("messages", __name__)


def init_app(app: Flask) -> None:
    @app.context_processor
    def _unread() -> dict[str, Any]:
        return {"unread_conversations": lambda: services.unread_count(current_user)}
