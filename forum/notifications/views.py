"""The notifications page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from forum.forms import ConfirmForm

from . import services

bp = Blueprint("notifications", __name__)


@bp.app_context_processor
def inject_unread() -> dict[str, Any]:
    return {"unread_notifications": lambda: services.unread_count(current_user)}


@bp.get("/notifications")
@login_required
def index() -> Any:
    return render_template("notifications/index.html", notifications=services.recent(current_user),
                           form=ConfirmForm())


@bp.post("/notifications/read")
@login_required
def mark_read() -> Any:
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
    return redirect(url_for("notifications.index"))
