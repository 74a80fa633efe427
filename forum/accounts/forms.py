"""Account forms: labels and messages are translated lazily (per request language)."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def no_control(value: Any) -> Any:
    """Drop control characters (PostgreSQL refuses NUL; none belongs in a form field)."""
    return _CONTROL.sub("", value) if isinstance(value, str) else value


def stripped(value: Any) -> Any:
    return no_control(value).strip() if isinstance(value, str) else value


class RegisterForm(FlaskForm):
    username = StringField(_l("Username"), filters=[stripped],
                           validators=[DataRequired(_l("Please choose a username.")),
                                       Length(3, 20, _l("Use 3 to 20 characters."))],
                           description=_l("3 to 20 letters, digits, dots, dashes or underscores. Shown in "
                                          "your profile address."),
                           render_kw={"autocomplete": "username", "autocapitalize": "none",
                                      "spellcheck": "false"})
    display_name = StringField(_l("Display name"), filters=[stripped],
                               validators=[Optional(), Length(max=64, message=_l("Use at most 64 characters."))],
                               description=_l("Shown beside your posts. Your full name or a nickname."),
                               render_kw={"autocomplete": "nickname"})
    email = StringField(_l("Email"), filters=[stripped],
                        validators=[DataRequired(_l("Please enter your email address.")),
                                    Length(max=254, message=_l("This does not look like an email address.")),
                                    Email(_l("This does not look like an email address."))],
                        render_kw={"autocomplete": "email", "type": "email"})
    password = PasswordField(_l("Password"), filters=[no_control],
                             validators=[DataRequired(_l("Please choose a password."))],
                             description=_l("At least 10 characters. A few unrelated words work well."),
                             render_kw={"autocomplete": "new-password"})
    coc_version = HiddenField()
    coc_language = HiddenField()  # the language the page showed the code of conduct in
    accept_coc = BooleanField(validators=[DataRequired(_l("You need to accept the code of conduct to join."))])


class LoginForm(FlaskForm):
    login = StringField(_l("Username or email"), filters=[stripped],
                        validators=[DataRequired(_l("Please enter your username or email."))],
                        render_kw={"autocomplete": "username", "autocapitalize": "none",
                                   "spellcheck": "false"})
    password = PasswordField(_l("Password"), filters=[no_control],
                             validators=[DataRequired(_l("Please enter your password."))],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    login = StringField(_l("Username or email"), filters=[stripped],
                        validators=[DataRequired(_l("Please enter your username or email."))],
                        render_kw={"autocomplete": "username"})


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), filters=[no_control],
                             validators=[DataRequired(_l("Please choose a password."))],
                             description=_l("At least 10 characters. A few unrelated words work well."),
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), filters=[no_control],
                            validators=[EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), filters=[no_control],
                                     validators=[DataRequired(_l("Please enter your current password."))],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), filters=[no_control],
                             validators=[DataRequired(_l("Please choose a password."))],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField(_l("Repeat the new password"), filters=[no_control],
                            validators=[EqualTo("password", _l("The two passwords differ."))],
                            render_kw={"autocomplete": "new-password"})


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), filters=[stripped],
                               validators=[DataRequired(_l("Please enter a display name.")),
                                           Length(max=64, message=_l("Use at most 64 characters."))])
    bio = TextAreaField(_l("About me"), filters=[no_control],
                        validators=[Optional(), Length(max=4000, message=_l("Use at most 4000 characters."))],
                        description=_l("Markdown is supported."))
    locale = SelectField(_l("Language"), choices=[], validate_choice=False)
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False)
    color_scheme = SelectField(_l("Colour scheme"), choices=[], validate_choice=False)


class AcceptCocForm(FlaskForm):
    version = HiddenField()
    language = HiddenField()  # the language the page showed it in
    accept = BooleanField(validators=[DataRequired(_l("Tick the box to accept the code of conduct."))])


class PublishCocForm(FlaskForm):
    body = TextAreaField(_l("Code of conduct (Markdown)"), filters=[no_control],
                         validators=[DataRequired(_l("The code of conduct needs some text.")), Length(
                             min=20, message=_l("The code of conduct needs some text (20 characters at "
                                                "least)."))])
    summary = TextAreaField(_l("Summary of changes"), filters=[no_control],
                            validators=[DataRequired(_l("Tell members what changed."))],
                            description=_l("Shown to members when they are asked to accept the new version."))


class ResendVerificationForm(FlaskForm):
    next = HiddenField()


class LanguageForm(FlaskForm):
    locale = HiddenField()
    next = HiddenField()


class ColorSchemeForm(FlaskForm):
    scheme = HiddenField()
    next = HiddenField()

