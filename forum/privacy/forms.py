"""Forms of the privacy pages. The rules (password, limits, ranges) are the services'."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, PasswordField, SelectField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from .policy import ANONYMISE, MEMBER_CHOOSES, REMOVE


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), validators=[Optional()])
    remove_content = BooleanField(_l("Also remove my posts (they are withdrawn instead of kept as a former "
                                     "member's)"))
    confirm = BooleanField(_l("I understand that my account will be erased and that this cannot be undone "
                              "after the grace period"),
                           validators=[InputRequired(_l("Tick the box to confirm."))])


class AnonymiseForm(FlaskForm):
    reason = TextAreaField(_l("Reason (kept in the audit log)"), validators=[Optional()])


class PrivacySettingsForm(FlaskForm):
    deleted_content = SelectField(_l("When a member deletes their account, their posts"), choices=[
        (ANONYMISE, _l("stay, shown as a former member's")),
        (REMOVE, _l("are removed (withdrawn, never hard-deleted)")),
        (MEMBER_CHOOSES, _l("stay unless the member asks for their removal")),
    ])
    grace_days = IntegerField(_l("Days before a confirmed deletion is carried out"),
                              validators=[InputRequired(), NumberRange(min=0, max=90)])
    export_link_days = IntegerField(_l("Days a data export's download link works"),
                                    validators=[InputRequired(), NumberRange(min=1, max=30)])
    exports_per_day = IntegerField(_l("Data exports a member may ask for per day"),
                                   validators=[InputRequired(), NumberRange(min=1, max=20)])
    ip_retention_days = IntegerField(_l("Days IP addresses are kept"),
                                     validators=[InputRequired(), NumberRange(min=1, max=3650)])
    ip_truncate = BooleanField(_l("After that, keep the network part (IPv4 /24, IPv6 /48) instead of removing "
                                  "the address"))
