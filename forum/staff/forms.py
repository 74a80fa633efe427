"""Staff forms: groups and badges, members, expert badges, the staff signature."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class GroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=64)],
                       description=_l("For example: Customer Care, Product, Acme Team."))
    label = StringField(_l("Badge text"), validators=[Optional(), Length(max=32)],
                        description=_l("Shown beside members' names; the group name if empty."))
    color = StringField(_l("Badge colour"), validators=[Optional(), Length(max=7)],
                        description=_l("A colour like #2f5d8a. The text colour (black or white) is chosen "
                                       "automatically for contrast."))
    icon = StringField(_l("Icon (optional)"), validators=[Optional(), Length(max=8)],
                       description=_l("One emoji or symbol shown before the badge text."))
    default_title = StringField(_l("Default title"), validators=[Optional(), Length(max=64)],
                                description=_l("Used when a member has not set a personal title."))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(min=0, max=10000)])


class AddMemberForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter a username."))])
    primary = BooleanField(_l("Make this their primary badge"))


class ExpertForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(_l("Please enter a username."))])
    label = StringField(_l("Badge text"), validators=[Optional(), Length(max=32)],
                        description=_l("For example: Expert, Power user, Ambassador."))
    note = TextAreaField(_l("Why (kept for admins)"), validators=[Optional(), Length(max=1000)])


class StaffProfileForm(FlaskForm):
    title = StringField(_l("Your title"), validators=[Optional(), Length(max=64)],
                        description=_l("For example: Community Manager. Shown beside your name and in "
                                       "the signature of your official replies."))
    signature_initials = StringField(_l("Initials for your sign-off"), validators=[Optional(), Length(max=8)],
                                     description=_l("Official replies end with \"— GR, Customer Care\"."))
    primary_group = SelectField(_l("Primary badge"), coerce=int, validate_choice=False)


class ConfirmForm(FlaskForm):
    """A bare form for buttons that change state: it carries the CSRF token."""
