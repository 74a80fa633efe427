"""The forms of the notification preferences page and of the unsubscribe page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from . import preferences
from .kinds import Delivery, NotificationKind

DELIVERY_LABELS: dict[str, Any] = {
    Delivery.APP: _l("On the site only"),
    Delivery.EMAIL: _l("Email right away"),
    Delivery.EMAIL_AWAY: _l("Email when I am away"),
    Delivery.NEVER: _l("Never"),
}
DIGEST_LABELS: dict[str, Any] = {
    preferences.DAILY: _l("Daily"),
    preferences.WEEKLY: _l("Weekly"),
    preferences.NEVER: _l("Never"),
}
KIND_FIELD = "kind__"


def _digest_field() -> SelectField:
    return SelectField(_l("Summary email"), choices=[SelectChoice(v, label) for v, label in DIGEST_LABELS.items()],
                       description=_l("The most active topics you may read, when you have not visited for a "
                                      "day or a week. Never sent when there is nothing new."))


class PreferencesForm(FlaskForm):
    digest = _digest_field()
    email_paused = BooleanField(_l("Pause all notification email and summaries"),
                                description=_l("Email about your account (password resets, moderation "
                                               "decisions) still reaches you."))
    auto_watch_created = BooleanField(_l("Watch the topics I start"))
    auto_track_replied = BooleanField(_l("Track the topics I reply to"))

    def kind_fields(self) -> list[Any]:
        return [field for field in self if field.name.startswith(KIND_FIELD)]

    def deliveries(self) -> dict[str, str]:
        return {field.name.removeprefix(KIND_FIELD): field.data for field in self.kind_fields()}


_FORMS: dict[tuple[tuple[str, tuple[str, ...]], ...], type[PreferencesForm]] = {}


def preferences_form(kinds: Sequence[NotificationKind]) -> type[PreferencesForm]:
    """:class:`PreferencesForm` with one choice per kind (``kind__<name>``), built once per set of kinds."""
    key = tuple((kind.name, preferences.deliveries_for(kind)) for kind in kinds)
    if key not in _FORMS:
        fields = {KIND_FIELD + kind.name: SelectField(kind.label, choices=[
            SelectChoice(value, DELIVERY_LABELS[value]) for value in preferences.deliveries_for(kind)])
            for kind in kinds}
        _FORMS[key] = type("PreferencesForm", (PreferencesForm,), {"__module__": __name__, **fields})
    return _FORMS[key]


def initial_data(user: Any, kinds: Sequence[NotificationKind]) -> dict[str, Any]:
    data: dict[str, Any] = {KIND_FIELD + kind.name: preferences.chosen_delivery(user, kind) for kind in kinds}
    data.update(digest=preferences.digest_frequency(user), email_paused=preferences.email_paused(user),
                auto_watch_created=preferences.watch_default(user, preferences.AUTO_WATCH_CREATED),
                auto_track_replied=preferences.watch_default(user, preferences.AUTO_TRACK_REPLIED))
    return data


class UnsubscribeForm(FlaskForm):
    """The unsubscribe page (no sign-in: the link's token says whose mail). Choices are set per link."""

    choice = RadioField(_l("What would you like?"), choices=[])
    digest = _digest_field()


class EmailSettingsForm(FlaskForm):
    """The community's mail settings (admins)."""

    away_minutes = IntegerField(_l("Minutes without a visit before “email when I am away” sends"),
                                validators=[InputRequired()],
                                description=_l("Members who are on the site read their notices there instead."))
    digest_default = SelectField(_l("Summary email of members who never chose"),
                                 choices=[SelectChoice(v, label) for v, label in DIGEST_LABELS.items()])
