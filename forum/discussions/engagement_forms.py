"""Forms of reactions and bookmarks (the templates write the inputs; these parse them)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, HiddenField, SelectField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from forum.dates import absolute

from .bookmarks import KEEP, NOTE_MAX


class ReactionForm(FlaskForm):
    reaction = StringField(validators=[DataRequired(), Length(max=16)])


# "When should we remind you?" (bookmarks.reminder_time reads the value).
REMINDER_CHOICES = [("", _l("No reminder")), ("hour", _l("In 1 hour")), ("tomorrow", _l("Tomorrow morning")),
                    ("next_week", _l("Next week")), ("custom", _l("At a date and time"))]
FIRST_REMINDER = "tomorrow"  # what "Remind me" offers first on a post not bookmarked yet


def reminder_choices(current: datetime | None) -> list[tuple[str, Any]]:
    """The choices for a bookmark whose reminder is ``current``: when it has one, "keep the
    reminder (its moment, on the member's clock)" comes first."""
    if current is None:
        return list(REMINDER_CHOICES)
    return [(KEEP, _("Keep the reminder (%(when)s)", when=absolute(current))), *REMINDER_CHOICES]


def reminder_default(bookmark: Any) -> str:
    """The choice a bookmark form starts on: keep the reminder a bookmark has; no reminder for a
    bookmark without one (its note is being changed); "tomorrow" for a post not bookmarked yet
    (the member pressed "Remind me")."""
    if bookmark is None:
        return FIRST_REMINDER
    return KEEP if bookmark.remind_at is not None else ""


class BookmarkForm(FlaskForm):
    """Several of these are on a topic page (one per post): the template writes its inputs
    with ids of their own and these names."""

    note = StringField(_l("Note (optional)"), validators=[Optional(), Length(max=NOTE_MAX)])
    # The choices depend on the bookmark (reminder_choices); bookmarks.reminder_time refuses others.
    remind = SelectField(_l("Remind me"), choices=REMINDER_CHOICES, default="", validate_choice=False)
    remind_at = DateTimeLocalField(_l("Date and time"), format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
                                   validators=[Optional()])
    next = HiddenField()


class ReactionSettingsForm(FlaskForm):
    reactions = SelectMultipleField(_l("Reactions offered"), choices=[], coerce=str,
                                    widget=widgets.ListWidget(prefix_label=False),
                                    option_widget=widgets.CheckboxInput())
