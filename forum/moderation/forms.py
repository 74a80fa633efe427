"""Moderation forms: every POST carries the CSRF token through FlaskForm."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from forum.forms import translation_field

from .services.settings import ENTRY_MAX


class ActionForm(FlaskForm):
    """A button with an optional reason (approve, claim, hide, restore, lock, ...)."""

    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class RejectForm(FlaskForm):
    reason_key = SelectField(_l("Reason"), choices=[], validate_choice=False)
    text = TextAreaField(_l("Message to the author"), validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class EditApproveForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional()])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Please write a message."))])
    reason = StringField(_l("Note for the author (optional)"), validators=[Optional(), Length(max=300)])


class BulkForm(FlaskForm):
    action = HiddenField()
    reason_key = SelectField(_l("Reason"), choices=[], validate_choice=False)
    text = StringField(_l("Message (optional)"), validators=[Optional(), Length(max=2000)])


class FlagForm(FlaskForm):
    reason = RadioField(_l("Why should moderators look at this post?"), choices=[], validate_choice=False)
    text = TextAreaField(_l("Details"), validators=[Optional(), Length(max=1000)])


class ResubmitForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional()])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Please write a message."))])


class SanctionForm(FlaskForm):
    duration = SelectField(_l("For"), choices=[], validate_choice=False)
    reason = TextAreaField(_l("Reason (the member reads it)"), validators=[Optional(), Length(max=2000)])
    note = TextAreaField(_l("Internal note (staff only)"), validators=[Optional(), Length(max=2000)])
    next = HiddenField()


class NoteForm(FlaskForm):
    body = TextAreaField(_l("Staff note"), validators=[DataRequired(_l("Write the note.")), Length(max=5000)])


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[], validate_choice=False)


class PinForm(FlaskForm):
    until = DateTimeLocalField(_l("Pinned until (optional)"), validators=[Optional()],
                               format="%Y-%m-%dT%H:%M")
    # In the category only, or for everyone on /latest too (the template labels the choices).
    scope = RadioField(choices=[SelectChoice("category", "category"), SelectChoice("everyone", "everyone")],
                       default="category")


class MoveForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=int, choices=[], validate_choice=False)
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])


class SplitForm(FlaskForm):
    title = StringField(_l("Title of the new topic"), validators=[DataRequired(_l("Please write a title."))])
    category = SelectField(_l("Category"), coerce=int, choices=[], validate_choice=False)


class MergeForm(FlaskForm):
    target = StringField(_l("Merge into topic (number or address)"),
                         validators=[DataRequired(_l("Which topic?"))])


class BanForm(FlaskForm):
    kind = SelectField(_l("Ban"), choices=[SelectChoice("email_domain", _l("Email domain")),
                                           SelectChoice("ip_range", _l("IP range"))])
    value = StringField(_l("Domain or range"), validators=[DataRequired()],
                        description=_l("example.com (subdomains included), or 203.0.113.0/24, 2001:db8::/32"))
    reason = StringField(_l("Reason (staff only)"), validators=[Optional(), Length(max=2000)])


class SettingsForm(FlaskForm):
    first_posts_need_approval = IntegerField(
        _l("Hold a new member's first posts"), validators=[NumberRange(0, 1000)],
        description=_l("Posts are reviewed until this many were approved. 0 turns it off."))
    flags_to_hide = IntegerField(
        _l("Hide a post after flags weighing"), validators=[NumberRange(0, 1000)],
        description=_l("Each flagger weighs between 0.2 and 1 depending on how often moderators agreed with "
                       "their past flags. 0 turns automatic hiding off."))
    approve_members = BooleanField(_l("Approve new members before they can post"))
    application_questions = TextAreaField(_l("Application questions (one per line)"), validators=[Optional()])
    flag_reasons = TextAreaField(
        _l("Flag reasons (one per line)"),
        description=_l("Built-in, translated: spam, off_topic, rude, inappropriate, other (asks for details). "
                       "Any other line is shown as written."))
    rejection_reasons = TextAreaField(
        _l("Canned rejection reasons (one per line)"), validators=[Optional()],
        description=_l("Built-in, translated: off_topic, duplicate, spam, coc, unclear. Any other line is "
                       "shown as written."))
    claim_minutes = IntegerField(_l("A claim on a queue item lasts (minutes)"),
                                 validators=[NumberRange(1, 1000)])


def entry_translation_field(list_key: str, entry: str, language: str) -> str:
    """The field holding a saved entry's text in ``language``: named after the entry's key (a
    digest, so any text makes a valid name), never after its line, so a translation cannot
    follow a line number onto another entry."""
    digest = hashlib.sha256(entry.encode("utf-8")).hexdigest()[:16]
    return translation_field(f"{list_key}-{digest}", language)


def settings_form_class(languages: Sequence[str], entries: Mapping[str, Sequence[str]]) -> type[FlaskForm]:
    """The settings form plus, for every saved entry of the admin's own (``entries``, per
    list), one optional field per language of ``languages``, labelled with the entry. Built per
    request: the fields follow the saved entries."""
    extra = {entry_translation_field(list_key, entry, code): StringField(
                 entry, validators=[Optional(), Length(max=ENTRY_MAX)],
                 render_kw={"maxlength": ENTRY_MAX, "lang": code})
             for list_key, keys in entries.items() for entry in keys for code in languages}
    return type("SettingsForm", (SettingsForm,), {"__module__": __name__, **extra})
