"""Uploading from the composer, and serving files with their permission checked each time."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.accounts.permissions import can_administer
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.extensions import limiter, per_member
from forum.forms import apply_errors

from . import services
from .forms import UploadSettingsForm
from .models import UploadKind
from .permissions import can_upload
from .services import admin
from .services.store import AVATAR_SIZES

bp = Blueprint("uploads", __name__)

upload_limit = limiter.limit("30 per minute;300 per hour", key_func=per_member("upload"))
# Files are never a document: no scripts, no plugins, no frames, even if a browser sniffed one.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"


@bp.post("/uploads")
@login_required
@upload_limit
def upload() -> Any:
    """One file from the composer (button, drop or paste): JSON with the Markdown to insert,
    or ``{"error": message}`` in the member's language. CSRF is checked as for any form (the
    token travels in the form data)."""
    if not can_upload(current_user):
        return jsonify(error=_("You cannot upload files right now.")), 403
    sent = request.files.get("file")
    if sent is None or (not sent.filename and not sent.mimetype):
        return jsonify(error=_("Choose a file to upload.")), 400
    data = sent.read()
    try:
        accepted = services.accept_upload(current_user, sent.filename or "", data)
    except ValidationFailed as exc:
        return jsonify(error=next(iter(exc.errors.values()), _("This file cannot be uploaded."))), 400
    except PermissionDenied:
        return jsonify(error=_("You cannot upload files right now.")), 403
    upload = accepted.upload
    return jsonify(token=upload.token, markdown=accepted.markdown, url=services.file_path(upload),
                   name=upload.original_name, kind=upload.kind, width=upload.width, height=upload.height)


def _serve(token: str, key_of: Any, kinds: tuple[str, ...], *, content_type: str | None = None) -> Response:
    try:
        readable = services.readable_upload(current_user, token)
    except NotFound:
        abort(404)
    upload = readable.upload
    if upload.kind not in kinds:
        abort(404)
    download = upload.original_name if upload.kind == UploadKind.ATTACHMENT else None
    try:
        response = services.file_storage().response(
            key_of(upload), content_type=content_type or upload.content_type, cache_control=readable.cache_control,
            download_name=download, etag=upload.sha256)
    except FileNotFoundError:
        abort(404)
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    # Public files may be shown by other sites (a post's photo in a webmail client); the others
    # only by this one.
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin" if readable.public else "same-origin"
    if not readable.public:
        response.vary.add("Cookie")
    return response


@bp.get("/uploads/<string(length=32):token>/<path:name>")
def file(token: str, name: str) -> Response:
    return _serve(token, services.main_key, (UploadKind.IMAGE, UploadKind.ATTACHMENT, UploadKind.BRAND))


@bp.get("/uploads/thumbnails/<string(length=32):token>.webp")
def thumbnail(token: str) -> Response:
    return _serve(token, services.thumbnail_key, (UploadKind.IMAGE,), content_type="image/webp")


@bp.get("/uploads/avatars/<string(length=32):token>/<int:size>.webp")
def avatar(token: str, size: int) -> Response:
    if size not in AVATAR_SIZES:
        abort(404)
    return _serve(token, lambda upload: services.avatar_key(upload.token, size), (UploadKind.AVATAR,),
                  content_type="image/webp")


# --- Admin -> Uploads ----------------------------------------------------------------------------

@bp.route("/admin/uploads", methods=["GET", "POST"])
@login_required
def admin_settings() -> Any:
    if not can_administer(current_user):
        abort(403)
    form = UploadSettingsForm(data=admin.current_settings() if request.method == "GET" else None)
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in admin.FIELDS}
        try:
            admin.save_settings(current_user, values)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("uploads.admin_settings"))
    return render_template("uploads/admin_settings.html", form=form,
                           storage=services.file_storage().description), 400 if form.errors else 200
