"""Glue between domain errors and WTForms."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field

from forum.errors import ValidationFailed


def apply_errors(form: FlaskForm, exc: ValidationFailed, default_field: str | None = None) -> None:
    """Show a service's ValidationFailed next to the matching fields (or atop the form)."""
    for name, message in exc.errors.items():
        field = form._fields.get(name) or (form._fields.get(default_field) if default_field else None)
        if field is not None:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
        else:
            form.form_errors.append(message)


class ConfirmForm(FlaskForm):
    """A bare form for buttons that change state (POST only): it carries the CSRF token."""


# --- translations of what admins write: one field per other community language ---------------------

FieldFactory = Callable[[], Field]


def translation_field(name: str, language: str) -> str:
    """The form field holding ``name`` in ``language`` (``"body__it"``); services key their
    errors on a translation the same way."""
    return f"{name}__{language}"


_TRANSLATED_FORMS: dict[tuple[type[FlaskForm], tuple[str, ...], tuple[str, ...]], type[FlaskForm]] = {}


def with_translations(form_class: type[FlaskForm], fields: dict[str, FieldFactory],
                      languages: Iterable[str]) -> type[FlaskForm]:
    """``form_class`` plus, per language, one field per entry of ``fields`` (made by its factory,
    usually the same field type as the default language's, optional). Built once per class,
    field names and languages. Templates render them with ``admin/_translations.html``.
    Plugins get it (and the helpers below) from :mod:`forum.plugins`."""
    key = (form_class, tuple(fields), tuple(languages))
    if key not in _TRANSLATED_FORMS:
        extra = {translation_field(name, code): factory() for code in key[2] for name, factory in fields.items()}
        _TRANSLATED_FORMS[key] = type(form_class.__name__, (form_class,), {"__module__": form_class.__module__,
                                                                          **extra})
    return _TRANSLATED_FORMS[key]


def read_translations(form: FlaskForm, names: Iterable[str], languages: Iterable[str]) -> dict[str, dict[str, Any]]:
    """``{"it": {"name": ..., ...}}`` from a form made by :func:`with_translations`."""
    return {code: {name: form[translation_field(name, code)].data for name in names} for code in languages}


def fill_translations(form: FlaskForm, translations: Mapping[str, Mapping[str, Any]] | None,
                      names: Iterable[str], languages: Iterable[str]) -> None:
    """Put stored translations into a form made by :func:`with_translations` (GET)."""
    for code in languages:
        entry = (translations or {}).get(code) or {}
        for name in names:
            form[translation_field(name, code)].data = entry.get(name) or ""
