"""The admin blueprint, shared by the admin's view modules (``views``, ``plugins_views``)."""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user

from forum.accounts.permissions import can_administer

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_app_request
def require_admin() -> None:
    """Everything under /admin, whichever domain registers it, is for admins only.

    Strangers do not learn that an admin area exists (404); members are told they may not
    enter (403).
    """
    if (request.path == "/admin" or request.path.startswith("/admin/")) and not can_administer(current_user):
        abort(403 if current_user.is_authenticated else 404)
