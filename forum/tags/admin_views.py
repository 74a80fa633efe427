"""Admin → Tags: thin views over :mod:`forum.tags.admin`, on the domain's one blueprint (under
``/admin/tags``, endpoints ``tags.admin_*``, admins only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import Length, Optional

from forum.discussions.models import Category
from forum.errors import ValidationFailed
from forum.extensions import db
from forum.forms import ConfirmForm, apply_errors, fill_translations, read_translations, with_translations
from forum.i18n_content import community_languages, translated
from forum.settings import get_setting

from . import admin, permissions, services
from .forms import CategoryRuleForm, MergeForm, TagForm, TagGroupForm, TagSettingsForm
from .models import Tag, TagGroup
from .views import bp

GROUP_TRANSLATED = ("name",)
PREFIX = "/admin/tags"


def _admin_route(rule: str, methods: list[str]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """An Admin → Tags page: ``PREFIX + rule``, endpoint ``tags.admin_<view>``, for those who
    manage tags (the check every page here shares)."""

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        @login_required
        def admins_only(*args: Any, **kwargs: Any) -> Any:
            if not permissions.can_manage_tags(current_user):
                abort(403)
            return view(*args, **kwargs)

        bp.add_url_rule(PREFIX + rule, endpoint=f"admin_{view.__name__}", view_func=admins_only, methods=methods)
        return view
    return register


def _group_form_class(languages: tuple[str, ...]) -> Any:
    return with_translations(TagGroupForm, {"name": lambda: StringField(_l("Group name"), validators=[
        Optional(), Length(max=80)])}, languages)


def _group_choices() -> list[tuple[int, str]]:
    return [(g.id, translated(g, "name")) for g in admin.groups()]


def _rule_form() -> CategoryRuleForm:
    form = CategoryRuleForm(prefix="rule")
    form.category.choices = [(c.id, translated(c, "name")) for c in
                             db.session.scalars(select(Category).order_by(Category.position, Category.name))]
    form.required_group.choices = [(0, _("Any tag")), *_group_choices()]
    form.allowed_groups.choices = _group_choices()
    return form


STAFF_ONLY = "staff"


def _settings_form() -> TagSettingsForm:
    form = TagSettingsForm(prefix="settings")
    form.creators.choices = [(STAFF_ONLY, _("Staff only")), *(
        (str(level), _("Staff, and members from trust level %(level)s", level=level)) for level in range(5))]
    return form


def _page(**forms: Any) -> Any:
    languages = community_languages()[1:]
    tag_form = forms.get("tag_form") or TagForm(prefix="tag")
    tag_form.groups.choices = _group_choices()
    group_form = forms.get("group_form") or _group_form_class(languages)(prefix="group")
    status = 400 if any(f.errors for f in forms.values()) else 200
    return render_template(
        "tags/admin.html", tags=services.all_tags(), groups=admin.groups(), members=admin.group_members(),
        rules=admin.rules(), tag_form=tag_form, group_form=group_form,
        rule_form=forms.get("rule_form") or _rule_form(), translation_languages=languages,
        settings_form=forms.get("settings_form") or _filled_settings_form(),
        categories={c.id: c for c in db.session.scalars(select(Category))}), status


@_admin_route("", ["GET"])
def index() -> Any:
    return _page()


@_admin_route("", ["POST"])
def create_tag() -> Any:
    form = TagForm(prefix="tag")
    form.groups.choices = _group_choices()
    if form.validate_on_submit():
        try:
            tag = admin.create_tag(current_user, form.name.data or "", form.description.data or "",
                                   form.groups.data or [])
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="name")
        else:
            flash(_("The tag “%(tag)s” was created.", tag=tag.name), "success")
            return redirect(url_for("tags.admin_index"))
    return _page(tag_form=form)


def _tag_or_404(tag_id: int) -> Tag:
    tag = db.session.get(Tag, tag_id)
    if tag is None:
        abort(404)
    return tag


@_admin_route("/<int:tag_id>", ["GET", "POST"])
def edit_tag(tag_id: int) -> Any:
    tag = _tag_or_404(tag_id)
    form = TagForm(prefix="tag")
    form.groups.choices = _group_choices()
    if request.method == "GET":
        form.name.data, form.description.data = tag.name, tag.description
        form.groups.data = admin.group_members().get(tag.id, [])
        form.synonym_of.data = tag.target.name if tag.target is not None else ""
    elif form.validate_on_submit():
        try:
            admin.update_tag(current_user, tag, name=form.name.data or "", description=form.description.data or "",
                             group_ids=form.groups.data or [], synonym_of=form.synonym_of.data)
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="name")
        else:
            flash(_("The tag was saved."), "success")
            return redirect(url_for("tags.admin_index"))
    return _tag_page(tag, form, MergeForm(prefix="merge"))


def _tag_page(tag: Tag, form: TagForm, merge_form: MergeForm) -> Any:
    status = 400 if form.errors or merge_form.errors else 200
    return render_template("tags/admin_tag.html", tag=tag, form=form, merge_form=merge_form,
                           delete_form=ConfirmForm()), status


@_admin_route("/<int:tag_id>/merge", ["POST"])
def merge_tag(tag_id: int) -> Any:
    tag = _tag_or_404(tag_id)
    merge_form = MergeForm(prefix="merge")
    if merge_form.validate_on_submit():
        try:
            target = admin.merge_tag(current_user, tag, merge_form.into.data or "")
        except ValidationFailed as exc:
            apply_errors(merge_form, exc, default_field="into")
        else:
            flash(_("“%(tag)s” was merged into “%(target)s”.", tag=tag.name, target=target.name), "success")
            return redirect(url_for("tags.admin_index"))
    form = TagForm(prefix="tag")
    form.groups.choices = _group_choices()
    form.name.data, form.description.data = tag.name, tag.description
    return _tag_page(tag, form, merge_form)


@_admin_route("/<int:tag_id>/delete", ["POST"])
def delete_tag(tag_id: int) -> Any:
    tag = _tag_or_404(tag_id)
    if ConfirmForm().validate_on_submit():
        name = tag.name
        admin.delete_tag(current_user, tag)
        flash(_("The tag “%(tag)s” was deleted and removed from its topics.", tag=name), "success")
    return redirect(url_for("tags.admin_index"))


@_admin_route("/groups", ["POST"])
def create_group() -> Any:
    return _save_group(None)


@_admin_route("/groups/<int:group_id>", ["POST"])
def edit_group(group_id: int) -> Any:
    group = db.session.get(TagGroup, group_id)
    if group is None:
        abort(404)
    if request.form.get("delete"):
        if ConfirmForm().validate_on_submit():
            admin.delete_group(current_user, group)
            flash(_("The group was deleted; its tags stay."), "success")
        return redirect(url_for("tags.admin_index"))
    return _save_group(group)


@_admin_route("/groups/<int:group_id>", ["GET"])
def group_page(group_id: int) -> Any:
    group = db.session.get(TagGroup, group_id)
    if group is None:
        abort(404)
    languages = community_languages()[1:]
    form = _group_form_class(languages)(prefix="group", obj=group)
    fill_translations(form, group.translations, GROUP_TRANSLATED, languages)
    return render_template("tags/admin_group.html", group=group, form=form, translation_languages=languages,
                           delete_form=ConfirmForm())


def _save_group(group: TagGroup | None) -> Any:
    languages = community_languages()[1:]
    form = _group_form_class(languages)(prefix="group")
    if form.validate_on_submit():
        try:
            admin.save_group(current_user, group, name=form.name.data or "", position=form.position.data,
                             translations=read_translations(form, GROUP_TRANSLATED, languages))
        except ValidationFailed as exc:
            apply_errors(form, exc, default_field="name")
        else:
            flash(_("The group was saved."), "success")
            return redirect(url_for("tags.admin_index"))
    if group is not None:
        return render_template("tags/admin_group.html", group=group, form=form, translation_languages=languages,
                               delete_form=ConfirmForm()), 400
    return _page(group_form=form)


def _filled_settings_form() -> TagSettingsForm:
    form = _settings_form()
    form.max_per_topic.data = int(get_setting(services.MAX_PER_TOPIC) or 5)
    level = get_setting(permissions.CREATE_MIN_TRUST_LEVEL)
    form.creators.data = STAFF_ONLY if level is None or level == "" else str(level)
    return form


@_admin_route("/settings", ["POST"])
def save_settings() -> Any:
    form = _settings_form()
    if form.validate_on_submit():
        creators = form.creators.data
        admin.save_settings(current_user, max_per_topic=form.max_per_topic.data or 5,
                            min_trust_level=None if creators == STAFF_ONLY else int(creators or 0))
        flash(_("Saved."), "success")
        return redirect(url_for("tags.admin_index"))
    return _page(settings_form=form)


@_admin_route("/rules", ["POST"])
def save_rule() -> Any:
    form = _rule_form()
    if form.validate_on_submit():
        category = db.session.get(Category, form.category.data)
        if category is None:
            form.category.errors = [_("Choose a category from the list.")]
        else:
            try:
                admin.save_rule(current_user, category, min_tags=form.min_tags.data or 0,
                                required_group_id=form.required_group.data or None,
                                allowed_group_ids=form.allowed_groups.data or [])
            except ValidationFailed as exc:
                apply_errors(form, exc, default_field="min_tags")
            else:
                flash(_("The category's tag rules were saved."), "success")
                return redirect(url_for("tags.admin_index"))
    return _page(rule_form=form)
