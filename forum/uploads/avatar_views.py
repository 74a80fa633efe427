"""Avatar pages: the member's picture page, removing a picture, the moderators' button.

``/settings/avatar`` works without script: a file field and a button, and the server takes
the centred square. With script (static/js/avatar.js) the chosen picture is shown with a
square to move and resize (pointer, keyboard or the size slider), written into the hidden
``crop_left`` / ``crop_top`` / ``crop_side`` fields in the upright picture's pixels.
The account settings page links here (uploads/_avatar_settings.html); a member's profile shows
moderators a "Remove picture" form through the core ``profile`` template slot.
"""

from __future__ import annotations

import sys
from typing import Any

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from forum import web_input
from forum.accounts.services import get_user_or_404
from forum.audit import AuditVocabulary
from forum.errors import PermissionDenied, ValidationFailed
from forum.extensions import limiter, per_member
from forum.plugins import hookimpl
from forum.plugins.manager import register_core
from forum.registry import contribute
from forum.text import ascii_int
from forum.urls import safe_next

from . import avatars
from .limits import human_size, limits_for
from .permissions import can_change_avatar, can_remove_avatar

bp = Blueprint("avatars", __name__)

CROP_FIELDS = ("crop_left", "crop_top", "crop_side")
_change_limit = limiter.limit("20 per hour", methods=["POST"], key_func=per_member("avatar"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    web_input.allow_larger_requests(app, "avatars.settings", _request_limit)
    app.jinja_env.globals["avatar_picture"] = avatars.avatar_picture
    register_core(app, sys.modules[__name__], "uploads.avatars")
    contribute(app, AuditVocabulary, AuditVocabulary(
        actions={avatars.REMOVE_ACTION: _l("Removed a member's picture")},
        fields={avatars.FIELD: _l("Picture")}))


def _request_limit() -> int:
    """Four times the per-file limit is read, so a picture a little too large gets the precise
    message ("This image is 14 MB; the limit is 8 MB"), not a bare 413."""
    if not current_user.is_authenticated:
        return 64 * 1024
    return limits_for(current_user).max_file_bytes * 4 + 256 * 1024


def crop_from_form(form: Any) -> tuple[int, int, int] | None:
    """The square the member chose, or None (no script, or values that are not whole numbers):
    the server then takes the centred square. Out-of-picture values are clamped by the image code."""
    values = [ascii_int(form.get(name), digits=6) for name in CROP_FIELDS]
    if any(value is None for value in values):
        return None
    left, top, side = (int(value or 0) for value in values)
    return (left, top, side) if side > 0 else None


@bp.route("/settings/avatar", methods=["GET", "POST"])
@login_required
@_change_limit
def settings() -> Any:
    error = None
    if request.method == "POST":
        me = current_user._get_current_object()
        if not can_change_avatar(me, me):
            abort(403)
        sent = request.files.get(avatars.FIELD)
        if sent is None or not sent.filename:
            error = _("Choose a picture to upload.")
        else:
            try:
                avatars.set_avatar(me, me, sent.filename, sent.read(), crop_from_form(request.form))
            except PermissionDenied:
                abort(403)
            except ValidationFailed as exc:
                error = exc.errors.get(avatars.FIELD) or exc.message
            else:
                flash(_("Your picture was saved."), "success")
                return redirect(url_for("avatars.settings"))
    limit = limits_for(current_user).max_file_bytes
    return render_template("uploads/avatar.html", error=error, blocked=avatars.avatar_block_message(current_user),
                           max_size=human_size(limit), max_bytes=limit), (400 if error else 200)


@bp.post("/u/<username>/avatar/remove")
@login_required
def remove(username: str) -> Any:
    user = get_user_or_404(username)
    if not can_remove_avatar(current_user, user):
        abort(403)
    own = user.id == current_user.id
    removed = avatars.remove_avatar(user, current_user._get_current_object(), reason=request.form.get("reason"))
    if removed:
        flash(_("Your picture was removed.") if own else _("The picture was removed."), "success")
    default = url_for("avatars.settings") if own else url_for("accounts.profile", username=user.username)
    return redirect(safe_next(request.form.get("next"), default))


@hookimpl
def forum_tpl_profile(profile_user: Any, user: Any) -> Any:
    """Moderators see "Remove picture" on the profile of someone they outrank who has one."""
    if not profile_user.avatar_token or not can_remove_avatar(user, profile_user) or user.id == profile_user.id:
        return None
    return render_template("uploads/_avatar_remove.html", profile_user=profile_user)  # the slot's HTML, escaped
