"""Moderation settings (admins): approval of members and first posts, flags, claim time, and
the reason and question lists with their translations. Routes on moderation's blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from forum.errors import ValidationFailed
from forum.forms import apply_errors, read_translations, translation_field
from forum.i18n_content import community_languages

from . import permissions, services
from .blueprint import bp
from .forms import settings_form_class


@bp.route("/moderation/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    if not permissions.can_manage_settings(current_user):
        abort(403)
    values = services.moderation_settings()
    languages = community_languages()[1:]  # the default language's lines are the form's own fields
    form = settings_form_class(languages)(data=_settings_form_data(values, languages)
                                          if request.method == "GET" else None)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token" and "__" not in k}
        data["translations"] = read_translations(form, services.LIST_KEYS, languages)
        try:
            services.save_settings(current_user, data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Moderation settings saved."), "success")
            return redirect(url_for("moderation.settings"))
    return render_template("moderation/settings.html", form=form, translation_languages=languages), (
        400 if form.errors else 200)


def _settings_form_data(values: dict[str, Any], languages: tuple[str, ...]) -> dict[str, Any]:
    data = dict(values)
    for key in services.LIST_KEYS:
        data[key], translated = services.translation_lines(key)
        data.update({translation_field(key, code): translated.get(code, "") for code in languages})
    return data

