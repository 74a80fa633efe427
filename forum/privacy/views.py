"""The privacy pages: "Your data" (exports), "Delete my account" (with its confirmation and the
grace period's page), an administrator's "anonymise" on a member's profile, the settings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from forum.accounts import external
from forum.accounts.services import get_user_or_404
from forum.errors import NotFound, ValidationFailed
from forum.extensions import member_action_limit
from forum.forms import ConfirmForm, apply_errors
from forum.settings import get_setting
from forum.uploads.services import file_storage

from . import permissions, policy, services
from .forms import AnonymiseForm, DeleteAccountForm, PrivacySettingsForm

bp = Blueprint("privacy", __name__)

privacy_limit = member_action_limit("RATELIMIT_PRIVACY", methods=["POST"])

# What a member whose account is being deleted may still open (everything else leads to the
# page that offers to cancel).
LEAVING_ENDPOINTS = frozenset({"privacy.leaving", "privacy.cancel_deletion", "privacy.your_data",
                               "privacy.download", "accounts.logout", "static", "healthz"})
API_BLUEPRINT = "api_v1"  # forum.api.v1's blueprint: its error handlers answer an abort in its JSON shape


@bp.before_app_request
def deactivated_during_grace_period() -> Any:
    """A member signed in during the grace period sees only the page that offers to cancel."""
    if "_user_id" not in session or request.endpoint in LEAVING_ENDPOINTS:
        return None  # no session: nothing to load (API keys carry their own account)
    if permissions.is_leaving(current_user):
        if request.blueprint == API_BLUEPRINT:  # a program gets the API's JSON error, not a page
            abort(403, description=_l("Your account is being deleted: cancel the deletion on the site to use it "
                                      "again."))
        return redirect(url_for("privacy.leaving"))
    return None


def _own_data_page() -> None:
    if not permissions.can_manage_own_data(current_user):
        abort(403)


@bp.route("/settings/your-data", methods=["GET", "POST"])
@login_required
@privacy_limit
def your_data() -> Any:
    _own_data_page()
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            services.request_export(current_user)
        except ValidationFailed as exc:
            flash(exc.message, "error")
        else:
            flash(_("We are preparing your copy. You will receive an email with the link when it is ready."),
                  "success")
        return redirect(url_for("privacy.your_data"))
    return render_template("privacy/your_data.html", form=form, exports=services.exports_of(current_user),
                           link_days=policy.export_link_lifetime().days)


@bp.get("/settings/your-data/download/<token>")
@login_required
def download(token: str) -> Any:
    _own_data_page()
    try:
        export = services.export_for_download(current_user, token)
    except services.LinkExpired:
        return render_template("privacy/link_expired.html"), 410
    except NotFound:
        abort(404)
    assert export.storage_key is not None
    try:
        return file_storage().response(export.storage_key, content_type="application/zip",
                                       cache_control="private, no-store",
                                       download_name=f"{current_user.username}-data-{export.id}.zip")
    except FileNotFoundError:
        return render_template("privacy/link_expired.html"), 410


@bp.route("/settings/delete-account", methods=["GET", "POST"])
@login_required
@privacy_limit
def delete_account() -> Any:
    _own_data_page()
    form = DeleteAccountForm()
    has_password = external.has_usable_password(current_user)
    if form.validate_on_submit():
        try:
            services.request_deletion(current_user, password=form.password.data or "",
                                      remove_content=bool(form.remove_content.data))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return render_template("privacy/deletion_mailed.html")
    return render_template("privacy/delete_account.html", form=form, has_password=has_password,
                           policy=policy.deleted_content(), grace_days=policy.grace_period().days,
                           pending=services.open_deletion(current_user)), (400 if form.errors else 200)


@bp.route("/settings/delete-account/confirm/<token>", methods=["GET", "POST"])
def confirm_deletion(token: str) -> Any:
    form = ConfirmForm()
    try:
        deletion = services.read_confirmation(token)
    except ValidationFailed as exc:
        return render_template("privacy/confirm_failed.html", message=exc.message), 400
    if not permissions.can_confirm_deletion(current_user, deletion):
        return render_template("privacy/confirm_failed.html", message=_(
            "This link is for another account than the one you are signed in to. Sign out first, then open "
            "the link again.")), 403
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            deletion = services.confirm_deletion(token)
        except ValidationFailed as exc:
            return render_template("privacy/confirm_failed.html", message=exc.message), 400
        if current_user.is_authenticated and current_user.id == deletion.user_id:
            session.clear()
            logout_user()
        return render_template("privacy/deletion_scheduled.html", deletion=deletion)
    return render_template("privacy/confirm_deletion.html", form=form, deletion=deletion,
                           grace_days=policy.grace_period().days)


@bp.get("/settings/delete-account/scheduled")
@login_required
def leaving() -> Any:
    deletion = services.open_deletion(current_user)
    if deletion is None or not permissions.is_leaving(current_user):
        return redirect(url_for("privacy.delete_account"))
    return render_template("privacy/leaving.html", deletion=deletion, form=ConfirmForm())


@bp.post("/settings/delete-account/cancel")
@login_required
def cancel_deletion() -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if services.cancel_deletion(current_user):
        flash(_("Your account will not be deleted. Welcome back!"), "success")
    return redirect(url_for("accounts.settings"))


@bp.post("/admin/members/<username>/anonymise")
@login_required
def anonymise(username: str) -> Any:
    if not permissions.can_erase_member(current_user):
        abort(403)
    user = get_user_or_404(username)
    form = AnonymiseForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.admin_erase(current_user, user, form.reason.data or "")
    except ValidationFailed as exc:
        flash(exc.message, "error")
        return redirect(url_for("accounts.profile", username=user.username))
    flash(_("The account was anonymised."), "success")
    return redirect(url_for("accounts.profile", username=user.username))


@bp.route("/admin/privacy", methods=["GET", "POST"])
@login_required
def admin_settings() -> Any:
    if not permissions.can_configure(current_user):
        abort(403)
    form = PrivacySettingsForm()
    if request.method == "GET":
        form.deleted_content.data = policy.deleted_content()
        form.grace_days.data = policy.grace_period().days
        form.export_link_days.data = policy.export_link_lifetime().days
        form.exports_per_day.data = policy.exports_per_day()
        form.ip_retention_days.data = policy.ip_retention().days
        form.ip_truncate.data = get_setting("privacy_ip_truncate") is not False
    elif form.validate_on_submit():
        try:
            services.save_settings(current_user, deleted_content=form.deleted_content.data or "",
                                   grace_days=int(form.grace_days.data or 0),
                                   export_link_days=int(form.export_link_days.data or 0),
                                   exports_per_day=int(form.exports_per_day.data or 0),
                                   ip_retention_days=int(form.ip_retention_days.data or 0),
                                   ip_truncate=bool(form.ip_truncate.data))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("privacy.admin_settings"))
    return render_template("privacy/admin_settings.html", form=form), (400 if form.errors else 200)
