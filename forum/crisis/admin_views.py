"""Admin → Crisis: the site banner (write, preview, schedule, end) and read-only mode.
Everything under /admin is for admins only (forum.admin.blueprint.require_admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_timezone
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from forum.dates import from_viewer_zone
from forum.forms import ConfirmForm
from forum.i18n import LOCALE_NAMES
from forum.i18n_content import default_language

from . import permissions, site_notices
from .forms import BannerForm, ReadOnlyForm
from .views import bp


def _local(value: Any) -> datetime | None:
    """A stored UTC time as the admin's local wall time, for a datetime-local field."""
    if not value:
        return None
    return datetime.fromisoformat(str(value)).astimezone(get_timezone()).replace(tzinfo=None)


def _fill(form: BannerForm, banner: dict[str, Any]) -> None:
    form.level.data, form.text_format.data = banner.get("level"), banner.get("format")
    form.dismissible.data = bool(banner.get("dismissible"))
    form.starts_at.data, form.ends_at.data = _local(banner.get("starts_at")), _local(banner.get("ends_at"))
    for code, entry in (banner.get("texts") or {}).items():
        if code in LOCALE_NAMES:
            getattr(form, f"text_{code}").data = entry.get("raw", "")


def _page(form: BannerForm, previews: dict[str, Markup] | None = None) -> Any:
    banner = site_notices.stored_banner()
    return render_template("crisis/admin.html", form=form, banner=banner, state=site_notices.banner_state(banner),
                           previews=previews or {}, read_only=site_notices.read_only(), read_only_form=ReadOnlyForm(),
                           confirm=ConfirmForm(), languages=LOCALE_NAMES), 400 if form.errors else 200


@bp.route("/admin/crisis", methods=["GET", "POST"])
def admin() -> Any:
    if not permissions.can_run_site(current_user):
        abort(403)
    form = BannerForm()
    if request.method == "GET":
        banner = site_notices.stored_banner()
        if banner is not None:
            _fill(form, banner)
        return _page(form)
    if not form.validate_on_submit():
        return _page(form)
    texts = {code: getattr(form, f"text_{code}").data or "" for code in LOCALE_NAMES}
    starts, ends = from_viewer_zone(form.starts_at.data), from_viewer_zone(form.ends_at.data)
    if not texts.get(default_language(), "").strip():
        form.form_errors.append(_("Write the text in the community's default language (%(language)s): members "
                                  "whose language has no text read that one.",
                                  language=LOCALE_NAMES.get(default_language(), default_language())))
    if starts and ends and ends <= starts:
        form.ends_at.errors = [_("The end must come after the start.")]
    if form.errors or form.form_errors:
        return _page(form)
    if "preview" in request.form:
        previews = {code: Markup(site_notices.cook_text(raw, form.text_format.data or "markdown"))  # noqa: S704
                    for code, raw in texts.items() if raw.strip()}
        return _page(form, previews)
    site_notices.save_banner(current_user, level=form.level.data or "info", text_format=form.text_format.data or "",
                             texts=texts, dismissible=bool(form.dismissible.data), starts_at=starts, ends_at=ends)
    flash(_("Banner saved."), "success")
    return redirect(url_for("crisis.admin"))


@bp.post("/admin/crisis/banner/end")
def end_banner() -> Any:
    if not permissions.can_run_site(current_user) or not ConfirmForm().validate_on_submit():
        abort(403 if not permissions.can_run_site(current_user) else 400)
    if site_notices.end_banner(current_user):
        flash(_("Banner ended."), "success")
    return redirect(url_for("crisis.admin"))


@bp.post("/admin/crisis/read-only")
def read_only() -> Any:
    if not permissions.can_run_site(current_user):
        abort(403)
    form = ReadOnlyForm()
    if not form.validate_on_submit():
        abort(400)
    on = request.form.get("action") == "on"
    site_notices.set_read_only(current_user, on, form.message.data or "")
    flash(_("The community is read-only: only staff can write.") if on else _("The community is open for writing "
                                                                               "again."), "success")
    return redirect(url_for("crisis.admin"))
