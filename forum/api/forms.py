"""Forms for making API keys (members' settings and Admin -> API keys)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, widgets
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

SCOPE_LABELS = {
    "read": _l("Read: what you can read on the site"),
    "write": _l("Write: post topics and replies, edit your posts"),
    "moderation": _l("Moderation: the review queue, flags, hiding and sanctions"),
    "admin": _l("Admin: the admin area's actions"),
}

# A scope's short name, in the reader's language (lists of keys).
SCOPE_NAMES = {"read": _l("read"), "write": _l("write"), "moderation": _l("moderation"), "admin": _l("admin")}


def scope_name(scope: str) -> str:
    return str(SCOPE_NAMES.get(scope, scope))


def _scopes_field(*names: str) -> SelectMultipleField:
    return SelectMultipleField(_l("What the key may do"), choices=[SelectChoice(n, SCOPE_LABELS[n]) for n in names],
                               default=["read"], widget=widgets.ListWidget(prefix_label=False),
                               option_widget=widgets.CheckboxInput(),
                               validators=[DataRequired(_l("Choose what the key may do."))])


class UserKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the key a name, so you know what uses it.")),
                                               Length(max=80)],
                       description=_l("What uses the key, e.g. \u201cmy backup script\u201d."))
    scopes = _scopes_field("read", "write")


class AdminKeyForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Give the key a name, so you know what uses it.")),
                                               Length(max=80)],
                       description=_l("What uses the key, e.g. \u201cthe help desk integration\u201d."))
    scopes = _scopes_field("read", "write", "moderation", "admin")
    acts_as = StringField(_l("Act as member (optional)"), validators=[Optional(), Length(max=64)],
                          description=_l("A username, e.g. a bot account: the key posts as them and never "
                                         "does more than they may. Empty: the key acts as you."))
