"""The "Escalate to support" form."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from .models import Priority

# "priorità" and "priorité" are feminine: Bassa/Basse, Normale, Alta/Haute, Urgente (a context,
# so another domain's "Normal" is free to differ).
PRIORITY_LABELS = {Priority.LOW: _lp("priority", "Low"), Priority.NORMAL: _lp("priority", "Normal"),
                   Priority.HIGH: _lp("priority", "High"), Priority.URGENT: _lp("priority", "Urgent")}


class EscalationForm(FlaskForm):
    reason = TextAreaField(_l("What does support need to do?"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("Sent to the helpdesk with a link to the topic. Members do not see it."))
    priority = SelectField(_l("Priority"), choices=[(p.value, label) for p, label in PRIORITY_LABELS.items()],
                           default=Priority.NORMAL.value)
