"""The dashboard's range and filters (GET: shareable URLs) and the refresh button (POST)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional


class RangeForm(FlaskForm):
    class Meta:
        csrf = False  # reading figures changes nothing

    days = SelectField(_l("Period"), choices=[], validate_choice=False, validators=[Optional()])
    start = DateField(_l("From"), validators=[Optional()])
    end = DateField(_l("To"), validators=[Optional()])
    category = SelectField(_l("Category"), choices=[], validate_choice=False, validators=[Optional()])
    language = SelectField(_l("Language"), choices=[], validate_choice=False, validators=[Optional()])


class RefreshForm(FlaskForm):
    """Only the CSRF token: "Refresh now" queues the statistics job."""
