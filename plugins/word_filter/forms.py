"""Admin forms of the word filter."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from forum.plugins import with_translations

from .matcher import Action

ACTION_LABELS = {
    Action.BLOCK.value: _l("Block, with a message to the author"),
    Action.CENSOR.value: _l("Censor (■■■)"),
    Action.REPLACE.value: _l("Replace with a text"),
    Action.REQUIRE_APPROVAL.value: _l("Hold for approval"),
    Action.FLAG.value: _l("Flag for review"),
}


class EntryForm(FlaskForm):
    pattern = StringField(_l("Word, phrase or regular expression"),
                          validators=[DataRequired(), Length(max=500)],
                          description=_l("Case, accents, lookalike letters, s.p.a.c.e.s and repeated letters "
                                         "are handled for you."))
    action = SelectField(_l("Action"), choices=[SelectChoice(value, label) for value, label in ACTION_LABELS.items()])
    replacement = StringField(_l("Replacement (for “Replace”)"), validators=[Optional(), Length(max=200)])
    message = StringField(_l("Message to the author (for “Block”)"), validators=[Optional(), Length(max=500)],
                          description=_l("Empty: a standard message naming the word."))
    whole_word = BooleanField(_l("Whole words only (“ass” does not match “class”)"), default=True)
    is_regex = BooleanField(_l("Regular expression (RE2 syntax)"))
    category_ids = SelectMultipleField(_l("Only in these categories"), coerce=int, validate_choice=False,
                                       description=_l("None selected: every category."))
    locales = SelectMultipleField(_l("Only for members writing in"), validate_choice=False,
                                  description=_l("None selected: every language."))


def _message_field() -> StringField:
    return StringField(_l("Message to the author (for “Block”)"), validators=[Optional(), Length(max=500)])


def entry_form_class(languages: tuple[str, ...]) -> type[FlaskForm]:
    """The entry form with the "block" message in each of ``languages`` (optional), as
    ``message__<language>`` fields (the core's translation fields)."""
    return with_translations(EntryForm, {"message": _message_field}, languages)


class ImportForm(FlaskForm):
    locale = SelectField(_l("Apply the entries to members writing in"), validate_choice=False)
    text = TextAreaField(_l("List"), validators=[DataRequired()],
                         description=_l("One entry per line: action|word[|replacement or message]. "
                                        "*word* matches inside words, /regex/ is a regular expression."))


def choices(pairs: list[tuple[Any, Any]]) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices (tuples are deprecated there)."""
    return [SelectChoice(value, label) for value, label in pairs]


class TrialForm(FlaskForm):
    text = TextAreaField(_l("Sample text"), validators=[DataRequired(), Length(max=100_000)])
    category_id = SelectField(_l("Posted in"), coerce=int, validate_choice=False)
    locale = SelectField(_l("Author's language"), validate_choice=False)
