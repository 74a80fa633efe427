"""Tag forms (the composer's field is discussions' ``tags``: the same rules apply)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class TopicTagsForm(FlaskForm):
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)],
                       description=_l("Separate tags with commas, e.g. moka-pro, firmware-2-1."))


class TagForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=60)],
                       description=_l("Letters, digits and dashes; it is also the tag's address."))
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=1000)])
    groups = SelectMultipleField(_l("Groups"), coerce=int, validate_choice=False)
    synonym_of = StringField(_l("Synonym of"), validators=[Optional(), Length(max=60)],
                             description=_l("Typing this tag then tags the other one instead."))


class MergeForm(FlaskForm):
    into = StringField(_l("Merge into"), validators=[DataRequired(_l("Please name a tag.")), Length(max=60)],
                       description=_l("Every topic gets that tag instead; this one becomes its synonym."))


class TagGroupForm(FlaskForm):
    name = StringField(_l("Group name"), validators=[DataRequired(_l("Please enter a name.")), Length(max=80)])
    position = IntegerField(_l("Position"), default=0, validators=[Optional(), NumberRange(min=0, max=9999)])


class TagSettingsForm(FlaskForm):
    max_per_topic = IntegerField(_l("Tags per topic, at most"), default=5,
                                 validators=[DataRequired(_l("Please enter a number.")), NumberRange(min=1, max=20)])
    creators = SelectField(_l("Who may create tags by typing them"), validate_choice=True,
                           description=_l("Others choose existing tags. Trust levels come from Admin → Trust levels."))


class CategoryRuleForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=int, validate_choice=False)
    min_tags = IntegerField(_l("Tags required"), default=0, validators=[Optional(), NumberRange(min=0, max=10)])
    required_group = SelectField(_l("From group"), coerce=int, validate_choice=False)
    allowed_groups = SelectMultipleField(_l("Allowed groups"), coerce=int, validate_choice=False,
                                         description=_l("None chosen: every tag may be used."))
