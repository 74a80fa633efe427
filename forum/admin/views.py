"""Admin pages: code of conduct, categories, brand (with its images). Every route checks ``can_administer``."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from forum.accounts import services as accounts
from forum.discussions.models import Category
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.forms import ConfirmForm, apply_errors, fill_translations, read_translations
from forum.i18n_content import community_languages
from forum.settings import all_settings
from forum.uploads import brand as brand_images

from . import services
from .blueprint import bp
from .forms import CATEGORY_TRANSLATED, COC_TRANSLATED, BrandForm, category_form_class, coc_form_class


@bp.get("/")
def dashboard() -> Any:
    return render_template("admin/dashboard.html", figures=services.overview_figures(current_user))


@bp.route("/code-of-conduct", methods=["GET", "POST"])
def code_of_conduct() -> Any:
    languages = community_languages()[1:]  # the default language's text is the form's own fields
    form = coc_form_class(languages)()
    current = accounts.current_coc()
    if request.method == "GET" and current:
        form.body.data = current.body
        # The texts to start the next version from; summaries describe one change, never reused.
        fill_translations(form, {code: {"body": entry.get("body")} for code, entry in current.translations.items()},
                          ("body",), languages)
    if form.validate_on_submit():
        try:
            coc = accounts.publish_coc(current_user, form.body.data or "", form.summary.data or "",
                                       read_translations(form, COC_TRANSLATED, languages))
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("Version %(n)d is published. Members will be asked to accept it.", n=coc.version), "success")
            return redirect(url_for("admin.code_of_conduct"))
    return render_template("admin/code_of_conduct.html", form=form, translation_languages=languages,
                           coc_languages=accounts.coc_languages,
                           versions=accounts.coc_versions_with_counts()), (400 if form.errors else 200)


@bp.get("/code-of-conduct/<int:version>/acceptances")
def coc_acceptances(version: int) -> Any:
    page = accounts.coc_acceptances(current_user, version, page=request.args.get("page", 1, type=int) or 1)
    return render_template("admin/coc_acceptances.html", version=version, result=page,
                           acceptances=page.rows)


@bp.get("/categories")
def categories() -> Any:
    return render_template("admin/categories.html",
                           categories=db.session.scalars(db.select(Category).order_by(Category.position)).all())


@bp.route("/categories/new", methods=["GET", "POST"])
@bp.route("/categories/<int:category_id>", methods=["GET", "POST"])
def category_form(category_id: int | None = None) -> Any:
    category = db.session.get(Category, category_id) if category_id else None
    if category_id and category is None:
        abort(404)
    languages = community_languages()[1:]  # the default language's text is the form's own fields
    form = category_form_class(languages)(obj=category)
    if request.method == "GET" and category is not None:
        fill_translations(form, category.translations, CATEGORY_TRANSLATED, languages)
    if form.validate_on_submit():
        data = {k: v for k, v in form.data.items() if k != "csrf_token" and "__" not in k}
        data["translations"] = read_translations(form, CATEGORY_TRANSLATED, languages)
        try:
            if category is None:
                services.create_category(current_user, data)
            else:
                services.update_category(current_user, category, data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("The category was saved."), "success")
            return redirect(url_for("admin.categories"))
    return render_template("admin/category_form.html", form=form, category=category,
                           translation_languages=languages), (
        400 if form.errors else 200)


@bp.route("/brand", methods=["GET", "POST"])
def brand() -> Any:
    values = all_settings()
    form = BrandForm(data={k: values.get(k) or "" for k in services.BRAND_FIELDS}
                     if request.method == "GET" else None)
    themes = current_app.extensions["forum.themes"]
    form.theme.choices = [("", _("Default"))] + [(t.id, t.name) for t in themes.values()]
    if form.validate_on_submit():
        refused = False
        try:
            changed = services.save_brand(current_user, {k: v for k, v in form.data.items()
                                                         if k in services.BRAND_FIELDS})
        except ValidationFailed as exc:
            apply_errors(form, exc)
            refused, changed = True, set()
        # Each image is its own change: one refused (an SVG) does not undo the others.
        for which in brand_images.ASSETS:
            sent = form[which].data
            if sent is None:  # no file chosen
                continue
            try:
                brand_images.save_brand_asset(current_user, which, sent.filename or "", sent.read())
            except ValidationFailed as exc:
                apply_errors(form, exc)
                refused = True
        if not refused:
            flash(_("Saved. The new theme is now shown to everyone.") if "theme" in changed else _("Saved."),
                  "success")
            return redirect(url_for("admin.brand"))
    return render_template("admin/brand.html", form=form), (400 if form.errors else 200)


@bp.post("/brand/<any(logo, favicon, social):which>/remove")
def remove_brand_image(which: brand_images.BrandAsset) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if brand_images.remove_brand_asset(current_user, which):
        flash(_("Removed. The site shows its default again."), "success")
    return redirect(url_for("admin.brand"))
