"""The crisis tools' forms (every one carries the CSRF token)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateTimeLocalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forum.i18n import LOCALE_NAMES

from .site_notices import MAX_BANNER_TEXT, MAX_READ_ONLY_MESSAGE
from .slow_mode import MAX_SECONDS, MIN_SECONDS
from .timers import ACTION_LABELS

LEVEL_LABELS = {"info": _l("Information"), "warning": _l("Warning"), "critical": _l("Critical")}
FORMAT_LABELS = {"markdown": _l("Markdown"), "plain": _l("Plain text")}


class BannerForm(FlaskForm):
    level = SelectField(_l("Level"), choices=list(LEVEL_LABELS.items()), default="info")
    text_format = SelectField(_l("Format"), choices=list(FORMAT_LABELS.items()), default="markdown")
    dismissible = BooleanField(_l("Members may dismiss it"), default=True)
    starts_at = DateTimeLocalField(_l("Show from (optional, your time zone)"), validators=[Optional()])
    ends_at = DateTimeLocalField(_l("Show until (optional, your time zone)"), validators=[Optional()])


# One text per interface language: "text_en", "text_it", "text_fr".
for _code, _name in LOCALE_NAMES.items():
    setattr(BannerForm, f"text_{_code}", TextAreaField(_l("Text in %(language)s", language=_name),
                                                       validators=[Optional(), Length(max=MAX_BANNER_TEXT)]))


class ReadOnlyForm(FlaskForm):
    message = TextAreaField(_l("Message to members (optional)"),
                            validators=[Optional(), Length(max=MAX_READ_ONLY_MESSAGE)])


class SlowModeForm(FlaskForm):
    seconds = IntegerField(_l("Seconds between two posts of a member"), default=60,
                           validators=[DataRequired(), NumberRange(min=MIN_SECONDS, max=MAX_SECONDS)])
    until = DateTimeLocalField(_l("Until (optional, your time zone)"), validators=[Optional()])


class TimerForm(FlaskForm):
    action = SelectField(_l("Action"), choices=list(ACTION_LABELS.items()))
    run_at = DateTimeLocalField(_l("When (your time zone)"), validators=[DataRequired()])
    older_than_hours = IntegerField(_l("Hide replies older than (hours)"), validators=[Optional(), NumberRange(min=1)])


class AnnouncementForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=int, validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=255)])
    body = TextAreaField(_l("Announcement"), validators=[DataRequired(), Length(max=20000)])
    confirmed = BooleanField(_l("I checked the preview: publish and mail it"), render_kw={"required": True})
