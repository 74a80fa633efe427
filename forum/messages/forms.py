"""Messages' forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

BODY_HINT = _l("Markdown: **bold**, *italic*, [link](https://…), lists, `code`, [quote]…[/quote].")


class NewConversationForm(FlaskForm):
    to = StringField(_l("Recipients"), validators=[Optional(), Length(max=1000)],
                     description=_l("Usernames, separated by commas."))
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please write a title."))])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Please write a message."))],
                         description=BODY_HINT)


class MessageReplyForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(_l("Please write a message."))],
                         description=BODY_HINT)


class InviteForm(FlaskForm):
    username = StringField(_l("Add a member"), validators=[DataRequired(_l("Please enter a username.")),
                                                          Length(max=64)])


class InboxForm(FlaskForm):
    enabled = BooleanField(_l("Members can message this group"))
    description = TextAreaField(_l("What to write about"), validators=[Optional(), Length(max=2000)],
                                description=_l("Shown on the contact page and above the message form."))
