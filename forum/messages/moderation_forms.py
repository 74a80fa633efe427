"""Forms of flags, break-glass reading and moving posts to private (CSRF on each)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.validators import Length, Optional


class MessageFlagForm(FlaskForm):
    reason = RadioField(_l("Why should moderators look at this message?"), choices=[], validate_choice=False)
    text = TextAreaField(_l("Details"), validators=[Optional(), Length(max=1000)])


class BreakGlassForm(FlaskForm):
    reason = TextAreaField(_l("Why must you read this conversation?"), validators=[Optional(), Length(max=500)])


class MoveToPrivateForm(FlaskForm):
    message = TextAreaField(_l("Your message to the author"), validators=[Optional(), Length(max=10000)])
    group = SelectField(_l("Who takes the conversation"), choices=[], validate_choice=False)
    whole_topic = BooleanField(_l("Move the whole topic (its opening post and the author's replies)"))


class PublicSummaryForm(FlaskForm):
    body = TextAreaField(_l("Public summary"), validators=[Optional(), Length(max=10000)])
