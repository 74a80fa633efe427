"""Admin pages of the word filter: the list, add/edit/delete, starter lists, the test screen."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.plugins import (
    ConfirmForm,
    ValidationFailed,
    apply_errors,
    default_language,
    fill_translations,
    language_name,
    languages,
    read_translations,
)
from forum.plugins.community import CategoryInfo, categories, require_admin

from . import services
from .forms import ACTION_LABELS, ImportForm, TrialForm, choices, entry_form_class
from .matcher import available_starter_lists

bp = Blueprint("word_filter", __name__, url_prefix="/admin/word-filter", template_folder="templates")
bp.before_request(require_admin)


def _categories() -> list[CategoryInfo]:
    return categories(current_user)


@bp.get("/")
def index() -> Any:
    q = (request.args.get("q") or "").strip()[:100]
    action = request.args.get("action") if request.args.get("action") in ACTION_LABELS else None
    entries, total = services.list_entries(q=q or None, action=action)
    names = {c.id: c.name for c in _categories()}
    return render_template("word_filter/index.html", entries=entries, total=total, q=q, action=action,
                           actions=ACTION_LABELS, counts=services.counts_by_action(), categories=names,
                           language_name=language_name, starter_lists=available_starter_lists(),
                           delete_form=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:entry_id>", methods=["GET", "POST"])
def entry_form(entry_id: int | None = None) -> Any:
    entry = services.get_entry(entry_id) if entry_id else None
    others = tuple(code for code, _name in languages() if code != default_language())
    form = entry_form_class(others)(obj=entry)
    form.category_ids.choices = choices([(c.id, c.name) for c in _categories()])
    form.locales.choices = choices(languages())
    if request.method == "GET" and entry is not None:
        stored = {code: {"message": text} for code, text in (entry.message_translations or {}).items()}
        fill_translations(form, stored, ["message"], others)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token" and "__" not in k}
        data["message_translations"] = {code: texts["message"] for code, texts in
                                        read_translations(form, ["message"], others).items()}
        try:
            services.save_entry(current_user, entry, data)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="pattern")
        else:
            flash(_("The watched word was saved."), "success")
            return redirect(url_for("word_filter.index"))
    return render_template("word_filter/form.html", form=form, entry=entry, translation_languages=others), (
        400 if form.errors else 200)


@bp.post("/<int:entry_id>/delete")
def delete(entry_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.delete_entry(current_user, services.get_entry(entry_id))
    flash(_("The watched word was deleted."), "success")
    return redirect(url_for("word_filter.index"))


@bp.route("/import", methods=["GET", "POST"])
def import_list() -> Any:
    starter = request.args.get("list", "")
    form = ImportForm()
    form.locale.choices = choices([("", _("Everyone")), *languages()])
    if request.method == "GET" and starter:
        form.text.data = services.starter_list_text(starter)
        form.locale.data = starter if starter in dict(languages()) else ""
    if form.validate_on_submit():
        try:
            added, skipped = services.import_list(current_user, form.text.data or "", form.locale.data or None)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="text")
        else:
            flash(_("%(added)d entries added, %(skipped)d already in the list.", added=added, skipped=skipped),
                  "success")
            return redirect(url_for("word_filter.index"))
    return render_template("word_filter/import.html", form=form, starter=starter,
                           starter_lists=available_starter_lists(), language_name=language_name), (
        400 if form.errors else 200)


@bp.route("/test", methods=["GET", "POST"])
def test() -> Any:
    form = TrialForm()
    form.category_id.choices = choices([(0, _("Any category")), *((c.id, c.name) for c in _categories())])
    form.locale.choices = choices([("", _("Any language")), *languages()])
    result = None
    if form.validate_on_submit():
        result = services.try_text(current_user, form.text.data or "", category_id=form.category_id.data or None,
                                   locale=form.locale.data or None)
    return render_template("word_filter/test.html", form=form, result=result, actions=ACTION_LABELS)
