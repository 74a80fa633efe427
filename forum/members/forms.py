"""Forms of the members domain: the directory preference, staff's trust level tool, the thresholds."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from forum.accounts.trust import LEVEL_NAMES

from . import services


class DirectoryPreferenceForm(FlaskForm):
    show_in_directory = BooleanField(_l("Show me in the member directory"),
                                     description=_l("Your name, picture, trust level and likes received are listed "
                                                    "on the Members page, where anyone can search for you."))


class TrustLevelForm(FlaskForm):
    level = SelectField(_l("Trust level"), coerce=int,
                        choices=[(int(level), name) for level, name in LEVEL_NAMES.items()])
    locked = BooleanField(_l("Lock it (no automatic change)"), default=True)
    reason = StringField(_l("Reason (staff only)"), validators=[Optional(), Length(max=500)])


def thresholds_form(formdata: Any = None) -> FlaskForm:
    """Admin -> Trust levels: one number per level and criterion, plus the demotion rule."""

    class ThresholdsForm(FlaskForm):
        pass

    number = [InputRequired(_l("Enter a number.")),
              NumberRange(min=0, max=services.MAX_THRESHOLD, message=_l("Between 0 and %(max)s."))]
    for level in services.LEVEL_KEYS:
        for criterion in services.CRITERIA:
            setattr(ThresholdsForm, services.setting_key(level, criterion),
                    IntegerField(services.CRITERION_LABELS[criterion], validators=number))
    ThresholdsForm.trust_demotion_sanctions = IntegerField(  # type: ignore[attr-defined]
        _l("Demote to “new” after this many sanctions"), validators=number,
        description=_l("Warnings, silences and suspensions. 0: never demote."))
    ThresholdsForm.trust_demotion_window_days = IntegerField(  # type: ignore[attr-defined]
        _l("… within this many days"), validators=number)
    ThresholdsForm.trust_demotion_lock_days = IntegerField(  # type: ignore[attr-defined]
        _l("Hold the demoted member at “new” for this many days"), validators=number,
        description=_l("0: until staff change it."))
    return ThresholdsForm(formdata=formdata) if formdata is not None else ThresholdsForm()

