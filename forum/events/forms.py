"""Event forms. Business rules (https only, times, capacity) are checked by the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, NumberRange, Optional

from .models import AttendeeVisibility, Visibility
from .services import EventInput

VISIBILITY_CHOICES = [
    (Visibility.PUBLIC.value, _l("Everyone")),
    (Visibility.MEMBERS.value, _l("Members (logged in)")),
    (Visibility.STAFF.value, _l("Staff only")),
]
ATTENDEE_CHOICES = [
    (AttendeeVisibility.PUBLIC.value, _l("Everyone who can see the event")),
    (AttendeeVisibility.MEMBERS.value, _l("Members (logged in)")),
    (AttendeeVisibility.HOSTS.value, _l("Hosts only")),
]


class EventForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please write a title."))])
    category = SelectField(_l("Discussion category"), coerce=int, validate_choice=False,
                           description=_l("The event's discussion topic is created there."))
    description = TextAreaField(_l("Description"), validators=[Optional()],
                                description=_l("Markdown: **bold**, *italic*, [link](https://…), lists."))
    timezone = SelectField(_l("Time zone"), validate_choice=False,
                           description=_l("Dates and times below are in this zone."))
    all_day = BooleanField(_l("All-day event"))
    start_date = DateField(_l("Starts on"), validators=[DataRequired(_l("Please enter the date."))])
    start_time = TimeField(_l("Start time"), validators=[Optional()])
    end_date = DateField(_l("Ends on"), validators=[Optional()],
                         description=_l("Leave empty for the same day."))
    end_time = TimeField(_l("End time"), validators=[Optional()])
    venue = StringField(_l("Venue"), validators=[Optional()])
    address = StringField(_l("Address"), validators=[Optional()])
    map_url = StringField(_l("Map link"), validators=[Optional()], description=_l("An https:// address."))
    online_url = StringField(_l("Online link"), validators=[Optional()],
                             description=_l("Shown only to people going (and the hosts)."))
    online_link_to_waitlist = BooleanField(_l("Also show the online link to the waitlist"))
    cover_url = StringField(_l("Cover image URL"), validators=[Optional()],
                            description=_l("An https:// image address (optional)."))
    capacity = IntegerField(_l("Capacity"), validators=[Optional(), NumberRange(min=1, max=100_000)],
                            description=_l("Leave empty for no limit. When full, people join a waitlist."))
    rsvp_deadline = DateTimeLocalField(_l("RSVP deadline"), validators=[Optional()],
                                       format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"])
    visibility = SelectField(_l("Who can see the event"), choices=VISIBILITY_CHOICES)
    attendee_visibility = SelectField(_l("Who can see the attendee list"), choices=ATTENDEE_CHOICES,
                                      default=AttendeeVisibility.MEMBERS.value)
    cohosts = StringField(_l("Co-hosts"), validators=[Optional()],
                          description=_l("Usernames, separated by commas."))

    def to_input(self) -> EventInput:
        return EventInput(
            title=self.title.data or "", description=self.description.data or "",
            category_id=(self.category.data or None) if "category" in self._fields else None,
            timezone=self.timezone.data or "",
            all_day=bool(self.all_day.data), start_date=self.start_date.data, start_time=self.start_time.data,
            end_date=self.end_date.data, end_time=self.end_time.data, venue=self.venue.data or "",
            address=self.address.data or "", map_url=self.map_url.data or "",
            online_url=self.online_url.data or "", cover_url=self.cover_url.data or "",
            capacity=self.capacity.data, rsvp_deadline=self.rsvp_deadline.data,
            visibility=self.visibility.data or "", attendee_visibility=self.attendee_visibility.data or "",
            online_link_to_waitlist=bool(self.online_link_to_waitlist.data), cohosts=self.cohosts.data or "")


class EventSettingsForm(FlaskForm):
    category_id = SelectField(_l("Default events category"), coerce=int, validate_choice=False)
    creators = SelectField(_l("Who can create events"), choices=[
        ("staff", _l("Staff only (moderators, admins and staff groups)")),
        ("members", _l("Every member who can post")),
    ])
    reminder_hours = IntegerField(_l("Send reminders this many hours before the start"),
                                  validators=[DataRequired(), NumberRange(min=1, max=336)])


class RsvpForm(FlaskForm):
    """Carries the CSRF token for the RSVP buttons (the status is the pressed button's value)."""
