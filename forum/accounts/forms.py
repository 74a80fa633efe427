"""Account forms: labels and messages are translated lazily (per request language)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional


class RegisterForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Please choose a username.")),
                                                       Length(3, 20, _l("Use 3 to 20 characters."))])
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=64)],
                               description=_l("Shown beside your posts. Your full name or a nickname."))
    email = StringField(_l("Email"), validators=[DataRequired(_l("Please enter your email address.")),
                                                 Email(_l("This does not look like an email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please choose a password."))],
                             description=_l("At least 10 characters."))
    coc_version = HiddenField()
    accept_coc = BooleanField(validators=[DataRequired(_l("You need to accept the code of conduct to join."))])


class LoginForm(FlaskForm):
    login = StringField(_l("Username or email"), validators=[DataRequired(_l("Please enter your username "
                                                                             "or email."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Please enter your password."))])
    remember = BooleanField(_l("Remember me"))
    next = HiddenField()


class ResetRequestForm(FlaskForm):
    login = StringField(_l("Username or email"), validators=[DataRequired(_l("Please enter your username "
                                                                             "or email."))])


class ResetPasswordForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Please choose a password."))])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[EqualTo("password", _l("The two passwords differ."))])


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(_l("New password"), validators=[DataRequired(_l("Please choose a password."))])
    confirm = PasswordField(_l("Repeat the new password"),
                            validators=[EqualTo("password", _l("The two passwords differ."))])


class ProfileForm(FlaskForm):
    display_name = StringField(_l("Display name"), validators=[DataRequired(), Length(max=64)])
    bio = TextAreaField(_l("About me"), validators=[Optional(), Length(max=4000)],
                        description=_l("Markdown is supported."))
    locale = SelectField(_l("Language"), choices=[], validate_choice=False)
    timezone = SelectField(_l("Time zone"), choices=[], validate_choice=False)


class AcceptCocForm(FlaskForm):
    version = HiddenField()
    accept = BooleanField(validators=[DataRequired(_l("Tick the box to accept the code of conduct."))])


class PublishCocForm(FlaskForm):
    body = TextAreaField(_l("Code of conduct (Markdown)"), validators=[DataRequired()])
    summary = TextAreaField(_l("Summary of changes"), validators=[DataRequired(_l(
        "Tell members what changed."))])


class ResendVerificationForm(FlaskForm):
    pass


class LanguageForm(FlaskForm):
    locale = HiddenField()
    next = HiddenField()
