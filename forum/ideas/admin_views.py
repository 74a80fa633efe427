"""The admin page of ideas: which categories are boards and their budgets, the default budget,
and what each status is called in each community language."""

from __future__ import annotations

from typing import Any

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from forum.audit import record_action
from forum.discussions.models import Category
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.forms import ConfirmForm, apply_errors
from forum.i18n import LOCALE_NAMES
from forum.i18n_content import community_languages, make_localized, variants
from forum.settings import get_setting, set_setting

from . import boards, permissions
from .forms import BoardForm, IdeasSettingsForm
from .statuses import LABELS_SETTING, STATUSES, default_label

MAX_LABEL = 40
BLUEPRINT = "ideas"  # views.bp's name: these pages are the domain's


def _require_admin() -> None:
    if not permissions.can_configure(current_user):
        abort(403)


def _label_rows(submitted: dict[str, dict[str, str]] | None = None) -> list[dict[str, Any]]:
    saved = get_setting(LABELS_SETTING) or {}
    rows = []
    for status in STATUSES:
        texts = submitted.get(status, {}) if submitted is not None else variants(saved.get(status))
        rows.append({"status": status, "default": default_label(status),
                     "fields": [(code, LOCALE_NAMES.get(code, code), f"label-{status}-{code}", texts.get(code, ""))
                                for code in community_languages()]})
    return rows


def _submitted_labels() -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for status in STATUSES:
        for code in community_languages():
            text = " ".join((request.form.get(f"label-{status}-{code}") or "").split())
            if len(text) > MAX_LABEL:
                raise ValidationFailed(_("A status label has at most %(max)d characters.", max=MAX_LABEL))
            labels.setdefault(status, {})[code] = text
    return labels


@login_required
def admin() -> Any:
    _require_admin()
    form = IdeasSettingsForm()
    board_form = BoardForm(prefix="board")
    categories = list(db.session.scalars(select(Category).order_by(Category.position, Category.name)))
    board_form.category_id.choices = [(c.id, c.name) for c in categories]
    submitted = None
    if request.method == "GET":
        form.default_budget.data = int(get_setting(boards.DEFAULT_BUDGET) or 0)
    elif form.validate_on_submit():
        try:
            submitted = _submitted_labels()
            before = {"default_budget": get_setting(boards.DEFAULT_BUDGET), "labels": get_setting(LABELS_SETTING)}
            labels = {status: value for status, texts in submitted.items() if (value := make_localized(texts))}
            set_setting(boards.DEFAULT_BUDGET, int(form.default_budget.data or 0))
            set_setting(LABELS_SETTING, labels)
            record_action(current_user, "ideas.settings", "settings", None, before=before,
                          after={"default_budget": int(form.default_budget.data or 0), "labels": labels})
            db.session.commit()
        except ValidationFailed as exc:
            db.session.rollback()
            apply_errors(form, exc)  # the labels typed stay in the form
        else:
            flash(_("Saved."), "success")
            return redirect(url_for("ideas.admin"))
    return render_template("ideas/admin.html", form=form, board_form=board_form, boards=boards.boards(),
                           labels=_label_rows(submitted), remove_form=ConfirmForm())


@login_required
def admin_board() -> Any:
    _require_admin()
    form = BoardForm(prefix="board")
    form.category_id.choices = [(c.id, c.name) for c in db.session.scalars(select(Category))]
    if form.validate_on_submit():
        category = db.session.get(Category, form.category_id.data)
        if category is None:
            abort(404)
        try:
            boards.make_board(current_user, category, form.vote_budget.data)
        except ValidationFailed as exc:
            flash(exc.message, "error")
        else:
            flash(_("%(name)s is an ideas board.", name=category.name), "success")
    else:
        flash(_("Choose a category and a number of votes from 0 to %(max)d.", max=boards.MAX_BUDGET), "error")
    return redirect(url_for("ideas.admin"))


@login_required
def admin_remove_board(category_id: int) -> Any:
    _require_admin()
    category = db.session.get(Category, category_id)
    if category is None:
        abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        boards.remove_board(current_user, category)
    except ValidationFailed as exc:
        flash(exc.message, "error")
    else:
        flash(_("%(name)s is an ordinary category again.", name=category.name), "success")
    return redirect(url_for("ideas.admin"))


def add_routes(app: Flask) -> None:
    """The admin page's routes, added by ``init_app`` (not on import). They are the ideas blueprint's
    endpoints (``ideas.admin``…: ``url_for`` and ``request.blueprint`` see no difference), added to
    each app because a blueprint takes no new route once an app has registered it."""
    for rule, view, methods in (("/admin/ideas", admin, ["GET", "POST"]),
                                ("/admin/ideas/boards", admin_board, ["POST"]),
                                ("/admin/ideas/boards/<int:category_id>/remove", admin_remove_board, ["POST"])):
        app.add_url_rule(rule, endpoint=f"{BLUEPRINT}.{view.__name__}", view_func=view, methods=methods)
