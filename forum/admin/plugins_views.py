"""Admin → Plugins: the discovered plugins, enable/disable, and each plugin's settings form.

Routes on the admin blueprint, so every one is behind its ``require_admin`` check.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, SelectField, StringField, TextAreaField

from forum.errors import ValidationFailed
from forum.forms import ConfirmForm, apply_errors
from forum.i18n_content import community_languages
from forum.plugins import SettingField
from forum.plugins import settings as plugin_settings
from forum.plugins import store as plugin_store
from forum.plugins.manager import admin_links

from .blueprint import bp


def _field_for(setting: SettingField) -> Field:
    # Only the widgets come from WTForms: values are validated by type in one place, the service.
    kwargs: dict[str, Any] = {"label": setting.label, "description": setting.help}
    if setting.type == "bool":
        return BooleanField(**kwargs)
    if setting.type == "int":
        return StringField(render_kw={"inputmode": "numeric"}, **kwargs)
    if setting.type == "choice":
        return SelectField(choices=[(str(v), label) for v, label in setting.choices], validate_choice=False,
                           **kwargs)
    if setting.type in ("text", "lines"):
        return TextAreaField(**kwargs)
    return StringField(**kwargs)


def settings_form(fields: list[SettingField], values: dict[str, Any] | None) -> FlaskForm:
    """A form class built from a plugin's schema; ``values`` fills it on GET."""

    class PluginSettingsForm(FlaskForm):
        pass

    for setting in fields:
        setattr(PluginSettingsForm, setting.key, _field_for(setting))
        for _code, key in plugin_store.translations_of(setting):  # a text members read, per language
            setattr(PluginSettingsForm, key, _field_for(replace(setting, key=key, help="")))
    if values is None:
        return PluginSettingsForm()
    data = {}
    for setting in fields:
        value = values.get(setting.key)
        data[setting.key] = "\n".join(value) if setting.type == "lines" and isinstance(value, list) else value
        data.update({key: values.get(key) or "" for _code, key in plugin_store.translations_of(setting)})
    return PluginSettingsForm(data=data)


@bp.get("/plugins")
def plugins() -> Any:
    infos = sorted(current_app.extensions.get("forum.plugin_infos", {}).values(), key=lambda i: i.id)
    disabled = plugin_settings.disabled_plugins()
    schemas = current_app.extensions.get("forum.plugin_schemas", {})
    return render_template("admin/plugins.html", plugins=infos, disabled=disabled, schemas=schemas,
                           links=admin_links(), safe_mode=current_app.extensions.get("forum.safe_mode"),
                           toggle_form=ConfirmForm(),
                           applies_live=current_app.config.get("SETTINGS_CHECK_SECONDS") is not None)


@bp.post("/plugins/<plugin_id>/<any(enable, disable):action>")
def plugin_toggle(plugin_id: str, action: str) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    plugin_settings.set_plugin_enabled(current_user, plugin_id, enabled=action == "enable")
    if action == "enable":
        flash(_("%(id)s is enabled.", id=plugin_id), "success")
    else:
        flash(_("%(id)s is disabled.", id=plugin_id), "success")
    return redirect(url_for("admin.plugins"))


@bp.route("/plugins/<plugin_id>/settings", methods=["GET", "POST"])
def plugin_settings_page(plugin_id: str) -> Any:
    info = current_app.extensions.get("forum.plugin_infos", {}).get(plugin_id)
    fields = plugin_settings.schema(plugin_id)
    if info is None or not fields:
        abort(404)
    form = settings_form(fields, plugin_settings.get_plugin_settings(plugin_id)
                         if request.method == "GET" else None)
    if request.method == "POST" and form.validate_on_submit():
        data = {key: form[key].data for f in fields
                for key in (f.key, *(k for _code, k in plugin_store.translations_of(f)))}
        try:
            plugin_settings.save_plugin_settings(current_user, plugin_id, data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(_("The settings of %(name)s were saved.", name=info.name), "success")
            return redirect(url_for("admin.plugin_settings_page", plugin_id=plugin_id))
    return render_template("admin/plugins_settings.html", plugin=info, form=form, fields=fields,
                           translation_languages=community_languages()[1:]), (
        400 if form.errors else 200)

