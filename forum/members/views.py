"""The member directory, the member's listing choice, staff's trust level tool, Admin -> Trust levels."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts.services import get_user_or_404
from forum.accounts.trust import LEVEL_NAMES
from forum.errors import ValidationFailed
from forum.extensions import limiter, member_action_limit, per_member
from forum.forms import apply_errors
from forum.settings import get_setting

from . import directory, permissions, services
from .forms import DirectoryPreferenceForm, TrustLevelForm, thresholds_form

bp = Blueprint("members", __name__)

write_limit = limiter.limit("30 per minute", key_func=per_member("members-write"), methods=["POST"])
directory_limit = member_action_limit("RATELIMIT_DIRECTORY")  # per member, per IP for visitors


@bp.get("/members")
@directory_limit
def index() -> Any:
    if not permissions.can_see_directory(current_user):
        abort(403)
    sorts = directory.SORTS if permissions.can_sort_by_last_seen(current_user) else directory.PUBLIC_SORTS
    query = directory.DirectoryQuery.from_args(request.args, sorts)
    page = directory.directory_page(query)
    return render_template("members/index.html", page=page, query=query, sorts=sorts,
                           groups=directory.GROUPS)


@bp.post("/members/listing")
@login_required
@write_limit
def listing() -> Any:
    if not permissions.can_choose_listing(current_user):
        abort(403)
    form = DirectoryPreferenceForm()
    if not form.validate_on_submit():
        abort(400)
    services.set_directory_listing(current_user, bool(form.show_in_directory.data))
    flash(_("You are listed in the member directory.") if form.show_in_directory.data
          else _("You are no longer listed in the member directory."), "success")
    return redirect(url_for("accounts.settings") + "#member-directory")


@bp.post("/u/<username>/trust-level")
@login_required
@write_limit
def set_level(username: str) -> Any:
    member = get_user_or_404(username)
    if not permissions.can_set_trust_level(current_user, member):
        abort(403)
    form = TrustLevelForm()
    if not form.validate_on_submit():
        flash(_("Choose a trust level."), "error")
    else:
        try:
            services.set_trust_level(current_user, member, int(form.level.data), locked=bool(form.locked.data),
                                     reason=form.reason.data or "")
        except ValidationFailed as exc:
            flash(exc.message, "error")
        else:
            flash(_("The trust level was saved."), "success")
    return redirect(url_for("accounts.profile", username=member.username))


@bp.route("/admin/trust-levels", methods=["GET", "POST"])
@login_required
def admin_settings() -> Any:
    if not permissions.can_configure(current_user):
        abort(403)
    form = thresholds_form(request.form if request.method == "POST" else None)
    if request.method == "GET":
        for key in services.DEFAULTS:
            getattr(form, key).data = int(get_setting(key) or 0)
    elif form.validate_on_submit():
        try:
            services.save_thresholds(current_user, {key: int(getattr(form, key).data) for key in services.DEFAULTS})
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("members.admin_settings"))
    return render_template("members/admin_settings.html", form=form, levels=services.LEVEL_KEYS,
                           level_names=LEVEL_NAMES, criteria=services.CRITERIA,
                           setting_key=services.setting_key), (400 if form.errors else 200)
