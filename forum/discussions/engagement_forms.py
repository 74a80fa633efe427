"""Forms of reactions and bookmarks (the templates write the inputs; these parse them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from .bookmarks import NOTE_MAX


class ReactionForm(FlaskForm):
    reaction = StringField(validators=[DataRequired(), Length(max=16)])


# "When should we remind you?" (bookmarks.reminder_time reads the value).
REMINDER_CHOICES = [("", _l("No reminder")), ("hour", _l("In 1 hour")), ("tomorrow", _l("Tomorrow morning")),
                    ("next_week", _l("Next week")), ("custom", _l("At a date and time"))]


class BookmarkForm(FlaskForm):
    """Several of these are on a topic page (one per post): the template writes its inputs
    with ids of their own and these names."""

    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    remind = SelectField(_l("Remind me"), choices=REMINDER_CHOICES, default="", validate_choice=True)
    remind_at = DateTimeLocalField(_l("Date and time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[Optional()])
    next = HiddenField()


class ReactionSettingsForm(FlaskForm):
    reactions = SelectMultipleField(_l("Reactions offered"), choices=[], coerce=str,
                                    widget=widgets.ListWidget(prefix_label=False),
                                    option_widget=widgets.CheckboxInput())
