"""The search form (GET: shareable URLs, no CSRF needed for a read)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import Length, Optional


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a search changes nothing

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=200, message=_l("Please shorten your search to 200 characters."))],
    )
    category = SelectField(_l("Category"), choices=[], validate_choice=False, validators=[Optional()])
    author = StringField(_l("Author"), validators=[Optional(), Length(max=40)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[Optional()])
    has_official = SelectField(_l("Official response"), choices=[], validate_choice=False)
    solved = SelectField(_l("Solved"), choices=[], validate_choice=False)
    staff_only = BooleanField(_l("Staff posts only"))
    in_title = BooleanField(_l("Search titles only"))
    language = SelectField(_l("Written in"), choices=[], validate_choice=False)
    sort = SelectField(_l("Sort by"), choices=[], validate_choice=False)
    include_hidden = BooleanField(_l("Include hidden and pending posts"))
