"""The complete-your-account form: registration's own fields (username, display name, email,
code of conduct), without the password."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

from forum.accounts.forms import RegisterForm


class CompleteAccountForm(FlaskForm):
    # The same field definitions (labels, limits, messages) as the registration form.
    username = RegisterForm.username
    display_name = RegisterForm.display_name
    email = RegisterForm.email  # only when the provider gave no address (removed otherwise)
    coc_version = RegisterForm.coc_version
    coc_language = RegisterForm.coc_language
    accept_coc = RegisterForm.accept_coc


class StartForm(FlaskForm):
    """The "Sign in with …" and "Connect …" buttons: a POST with the CSRF token."""

    next = HiddenField()
