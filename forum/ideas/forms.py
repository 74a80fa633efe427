"""Forms of the ideas domain (CSRF through Flask-WTF)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from .boards import MAX_BUDGET
from .status import MAX_NOTE


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validators=[DataRequired()])
    note = TextAreaField(_l("Public note"), validators=[Length(max=MAX_NOTE)],
                         description=_l("Markdown. Voters and watchers are told; the note shows on the idea."))


class MergeForm(FlaskForm):
    target = StringField(_l("Merge into (the idea's number or address)"), validators=[DataRequired(), Length(max=300)])
    note = TextAreaField(_l("Public note"), validators=[Length(max=MAX_NOTE)])


class BoardForm(FlaskForm):
    category_id = SelectField(_l("Category"), coerce=int)
    vote_budget = IntegerField(_l("Votes per member (0: no limit; empty: the default)"),
                               validators=[Optional(), NumberRange(min=0, max=MAX_BUDGET)])


class IdeasSettingsForm(FlaskForm):
    default_budget = IntegerField(_l("Default votes per member on a new board (0: no limit)"),
                                  validators=[Optional(), NumberRange(min=0, max=MAX_BUDGET)])
