"""Discussion forms."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from forum.i18n import LOCALE_NAMES
from forum.i18n_content import community_languages
from forum.languages import AUTO_LANGUAGE


class TopicForm(FlaskForm):
    category = SelectField(_l("Category"), coerce=int, validate_choice=False)
    title = StringField(_l("Title"), validators=[DataRequired(_l("Please write a title."))])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Please write a message."))],
                         description=_l("Markdown: **bold**, *italic*, [link](https://…), lists, `code`, "
                                        "@mentions."))
    official = BooleanField(_l("Official reply"))
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)],
                       description=_l("Separate tags with commas, e.g. moka-pro, firmware-2-1."))


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"), validators=[DataRequired(_l("Please write a message."))])
    reply_to = HiddenField()
    official = BooleanField(_l("Official reply"))


class EditPostForm(FlaskForm):
    title = StringField(_l("Title"), validators=[Optional()])
    body = TextAreaField(_l("Message"), validators=[DataRequired(_l("Please write a message."))])
    reason = StringField(_l("Reason for the edit (optional)"), validators=[Optional(), Length(max=300)])
    official = BooleanField(_l("Official reply"))
    language = SelectField(_l("Language of this post"), default=AUTO_LANGUAGE,
                           description=_l("Search and watched words use it. It is detected from your text "
                                          "unless you choose one."))
    # The revision the text was loaded from: a save from an outdated form is refused, not applied.
    base_revision = HiddenField()
    tags = StringField(_l("Tags"), validators=[Optional(), Length(max=400)],
                       description=_l("Separate tags with commas, e.g. moka-pro, firmware-2-1."))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.language.choices = [SelectChoice(AUTO_LANGUAGE, _l("Detect it from the text")), *(
            SelectChoice(code, LOCALE_NAMES.get(code, code)) for code in community_languages())]


