"""Admin → Webhooks: the endpoint form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from .events import EVENTS


class EndpointForm(FlaskForm):
    url = StringField(_l("Payload URL"), validators=[DataRequired(), Length(max=2000)],
                      description=_l("Where Circolo sends a POST with JSON for each event, e.g. "
                                     "https://helpdesk.example.com/hooks/circolo"))
    description = StringField(_l("Description (optional)"), validators=[Optional(), Length(max=200)])
    events = SelectMultipleField(_l("Events"), choices=[], coerce=str, validate_choice=False,
                                 widget=widgets.ListWidget(prefix_label=False),
                                 option_widget=widgets.CheckboxInput())
    active = BooleanField(_l("Active"), default=True)
    allow_internal = BooleanField(
        _l("Allow an internal host"),
        description=_l("Only for a system on your own network (a private or loopback address). Leave it off for "
                       "anything on the Internet: with it on, whoever can edit this URL can make the forum "
                       "contact machines that outsiders cannot reach."))
    include_private = BooleanField(
        _l("Include members-only and staff-only content"),
        description=_l("Off, this endpoint hears only of what a visitor could read. Tick it only for a system you "
                       "trust with the members' and the staff's conversations: the text of staff-only topics "
                       "will be sent to it."))

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.events.choices = [(name, str(label)) for name, label in EVENTS.items()]
