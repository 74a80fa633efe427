"""The bell and the notifications page.

* ``GET /notifications``: every notice the member may still read, newest first, filtered
  (``show``: all / unread / mention / reply; ``kind``: one kind), keyset-paginated (``before``);
* ``GET /notifications/menu``: the bell's menu (the latest, grouped), an HTML fragment that
  ``notifications.js`` loads when the bell opens (without script the bell offers the page);
* ``POST /notifications/<id>/open``: mark a notice (or a menu line folding several) read and go
  where it points, the exact post;
* ``POST /notifications/read``: mark them all read;
* ``GET /notifications/unread``: the bell's number and label as JSON, which notifications.js asks
  for every minute while the page is in view (a tab in the background asks nothing), so a
  reply reaches an open page without a reload.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from forum.extensions import limiter, per_member
from forum.forms import ConfirmForm
from forum.pagination import decode_id
from forum.text import ascii_int
from forum.urls import safe_next

from . import services
from .kinds import find_kind
from .preferences import choosable_kinds

bp = Blueprint("notifications", __name__)
# A page in view asks once a minute; several tabs of one member stay well inside this.
poll_limit = limiter.limit("10 per minute;300 per hour", key_func=per_member("notifications-poll"))


@bp.app_context_processor
def inject_unread() -> dict[str, Any]:
    return {"unread_notifications": lambda: services.unread_count(current_user)}


@bp.get("/notifications")
@login_required
def index() -> Any:
    show = request.args.get("show", "all")
    if show not in services.FILTERS:
        show = "all"
    kind = request.args.get("kind") or None
    if kind is not None and find_kind(kind) is None:
        kind = None
    page = services.page(current_user, show=show, kind=kind, before=decode_id(request.args.get("before")))
    return render_template("notifications/index.html", page=page, notifications=page.items, show=show, kind=kind,
                           kinds=choosable_kinds(current_user), form=ConfirmForm())


@bp.get("/notifications/menu")
@login_required
def menu() -> Any:
    return render_template("notifications/_menu.html", entries=services.menu(current_user))


@bp.get("/notifications/unread")
@login_required
@poll_limit
def unread() -> Any:
    count = services.unread_count(current_user)
    label = ngettext("%(num)d unread notification", "%(num)d unread notifications", count) if count \
        else _("Notifications")
    response = jsonify(unread=count, label=label)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/notifications/<int:notification_id>/open")
@login_required
def open_notice(notification_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    notice = services.open_notice(current_user, notification_id, ascii_int(request.form.get("through")))
    if notice is None:
        abort(404)
    return redirect(notice.url or url_for("notifications.index"))


@bp.post("/notifications/read")
@login_required
def mark_read() -> Any:
    if ConfirmForm().validate_on_submit():
        services.mark_all_read(current_user)
    return redirect(safe_next(request.form.get("next"), url_for("notifications.index")))
