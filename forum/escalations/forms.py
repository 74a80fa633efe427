"""The "Escalate to support" form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .models import Priority

PRIORITY_LABELS = {Priority.LOW: _l("Low"), Priority.NORMAL: _l("Normal"), Priority.HIGH: _l("High"),
                   Priority.URGENT: _l("Urgent")}


class EscalationForm(FlaskForm):
    reason = TextAreaField(_l("What does support need to do?"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Sent to the helpdesk with a link to the topic. Members do not see it."))
    priority = SelectField(_l("Priority"), choices=[(p.value, label) for p, label in PRIORITY_LABELS.items()],
                           default=Priority.NORMAL.value)
