"""Glue between domain errors and WTForms."""

from __future__ import annotations

from flask_wtf import FlaskForm

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
