"""Admin forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

COLOUR = Regexp(r"^(#[0-9a-fA-F]{6})?$", message=_l("Use a colour like #1a73e8."))


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=80)])
    slug = StringField(_l("Address (slug)"), validators=[Optional(), Length(max=60)],
                       description=_l("Letters, digits and dashes; made from the name when empty."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])
    color = StringField(_l("Colour"), validators=[Optional(), COLOUR])
    position = IntegerField(_l("Position"), validators=[Optional()])
    read_access = SelectField(_l("Who can read"), choices=[
        ("everyone", _l("Everyone")), ("members", _l("Members")), ("staff", _l("Staff only"))])
    topic_access = SelectField(_l("Who can start topics"), choices=[
        ("members", _l("Members")), ("staff", _l("Staff only"))])
    is_questions = BooleanField(_l("Questions and answers: a reply can be marked as the solution"))
    approve_topics = BooleanField(_l("Hold new topics for approval"))
    approve_replies = BooleanField(_l("Hold replies for approval"))


class BrandForm(FlaskForm):
    community_name = StringField(_l("Community name"), validators=[Optional(), Length(max=80)])
    community_tagline = StringField(_l("Tagline"), validators=[Optional(), Length(max=160)])
    logo_url = StringField(_l("Logo URL"), validators=[Optional(), Length(max=500), Regexp(
        r"^(https://|/)[^\s\"'<>]*$", message=_l("Use an https:// address or a path on this site."))])
    brand_primary = StringField(_l("Primary colour"), validators=[Optional(), COLOUR])
    brand_accent = StringField(_l("Accent colour"), validators=[Optional(), COLOUR])
    theme = SelectField(_l("Theme"), choices=[], validate_choice=False)
