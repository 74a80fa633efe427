"""Moderation settings (admins): approval of members and first posts, flags, claim time, and
the reason and question lists with their translations. Routes on moderation's blueprint."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from forum.errors import ValidationFailed
from forum.forms import apply_errors
from forum.i18n_content import community_languages

from . import permissions, services
from .blueprint import bp
from .forms import entry_translation_field, settings_form_class


@bp.route("/moderation/settings", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    if not permissions.can_manage_settings(current_user):
        abort(403)
    languages = community_languages()[1:]  # the default language's lines are the form's own fields
    saved = {key: services.translatable_entries(key) for key in services.LIST_KEYS}
    form_class = settings_form_class(languages, {key: [entry for entry, _texts in rows] for key, rows in saved.items()})
    form = form_class(data=_settings_form_data(saved, languages) if request.method == "GET" else None)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token" and "__" not in k}
        data["translations"] = _submitted_translations(form, saved, languages)
        try:
            services.save_settings(current_user, data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Moderation settings saved."), "success")
            return redirect(url_for("moderation.settings"))
    groups = {key: [(code, [form[entry_translation_field(key, entry, code)] for entry, _texts in rows])
                    for code in languages] for key, rows in saved.items() if rows}
    return render_template("moderation/settings.html", form=form, translation_groups=groups,
                           translation_languages=languages), (400 if form.errors else 200)


Saved = dict[str, list[tuple[str, dict[str, str]]]]


def _settings_form_data(saved: Saved, languages: tuple[str, ...]) -> dict[str, Any]:
    data = services.moderation_settings()
    for key, rows in saved.items():
        data[key] = services.list_text(key)
        data.update({entry_translation_field(key, entry, code): texts.get(code, "")
                     for entry, texts in rows for code in languages})
    return data


def _submitted_translations(form: FlaskForm, saved: Saved, languages: tuple[str, ...]) -> dict[str, Any]:
    """``{list: {entry: {language: text}}}`` for the translation fields the form sent (a field it
    did not send, say from a page older than the entry, leaves that translation as saved)."""
    result: dict[str, Any] = {}
    for key, rows in saved.items():
        for entry, _texts in rows:
            for code in languages:
                field = form[entry_translation_field(key, entry, code)]
                if field.raw_data:
                    result.setdefault(key, {}).setdefault(entry, {})[code] = field.data or ""
    return result
