"""Pages for API keys: a member's own keys (in their settings) and Admin -> API keys.

A new key's secret is shown once, in the answer to the POST that made it (never in a flash
message: the session cookie is signed, not encrypted); lists show only the public prefix.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts import services as accounts
from forum.errors import ValidationFailed
from forum.extensions import limiter, per_member
from forum.forms import ConfirmForm, apply_errors

from . import keys, permissions
from .forms import AdminKeyForm, UserKeyForm, scope_name
from .models import KeyKind

bp = Blueprint("api_keys", __name__)

key_limit = limiter.limit("10 per minute;50 per day", key_func=per_member("api-key"), methods=["POST"])


@bp.route("/settings/api-keys", methods=["GET", "POST"])
@login_required
@key_limit
def own_keys() -> Any:
    if not permissions.can_have_keys(current_user):
        abort(403)
    form = UserKeyForm()
    made = None
    if form.validate_on_submit():
        try:
            made = keys.create_user_key(current_user, form.name.data or "", list(form.scopes.data or []))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            form = UserKeyForm(formdata=None)
    return _page(render_template("api/keys.html", form=form, made=made, keys=keys.user_keys(current_user)),
                 form, made)


@bp.route("/admin/api-keys", methods=["GET", "POST"])
@login_required
@key_limit
def admin_keys() -> Any:
    if not permissions.can_manage_admin_keys(current_user):
        abort(403)
    form = AdminKeyForm()
    made = None
    if form.validate_on_submit():
        acts_as = None
        if form.acts_as.data:
            acts_as = accounts.find_by_username(form.acts_as.data.strip().lstrip("@"))
            if acts_as is None:
                form.acts_as.errors = [_("No member has this username.")]
        if not form.acts_as.errors:
            try:
                made = keys.create_admin_key(current_user, form.name.data or "", list(form.scopes.data or []),
                                             acts_as=acts_as)
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                form = AdminKeyForm(formdata=None)
    return _page(render_template("api/admin_keys.html", form=form, made=made, keys=keys.admin_keys()), form, made)


@bp.app_template_global("api_key_reach")
def _reach(key: Any) -> frozenset[str]:
    """The scopes a key can use: those it was given that its member's role allows."""
    return keys.effective_scopes(key, key.user)


@bp.app_template_global("api_scope_name")
def _scope_name(scope: str) -> str:
    return scope_name(scope)


bp.add_app_template_filter(_scope_name, "api_scope_name")


def _page(html: str, form: Any, made: keys.NewKey | None) -> Any:
    response = make_response(html, 400 if form.errors or form.form_errors else 200)
    if made is not None:
        response.headers["Cache-Control"] = "no-store"  # the page holds the secret: never kept
    return response


@bp.post("/api-keys/<int:key_id>/revoke")
@login_required
def revoke(key_id: int) -> Any:
    key = keys.get_key(key_id)
    if key is None or not permissions.can_revoke(current_user, key):
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    keys.revoke(current_user, key)
    flash(_("The key was revoked: programs using it can no longer use it."), "success")
    return redirect(url_for("api_keys.admin_keys" if key.kind == KeyKind.ADMIN else "api_keys.own_keys"))
