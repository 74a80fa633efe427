"""Admin forms."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from forum.accounts.forms import PublishCocForm, no_control, stripped
from forum.forms import with_translations

from .services import COLOUR_PATTERN, LOGO_PATTERN

# The services check the same rules again (a form is only one way in).
COLOUR = Regexp(COLOUR_PATTERN, message=_l("Use a colour like #1a73e8."))
IMAGE_TYPES = "image/png,image/jpeg,image/gif,image/webp"  # the file picker's filter; the content decides


class CategoryForm(FlaskForm):
    name = StringField(_l("Name"), filters=[stripped],
                       validators=[DataRequired(_l("Please enter a name.")),
                                   Length(max=80, message=_l("Use at most 80 characters."))])
    slug = StringField(_l("Address (slug)"), filters=[stripped],
                       validators=[Optional(), Length(max=60, message=_l("Use at most 60 characters."))],
                       description=_l("Letters, digits and dashes; made from the name when empty."))
    description = TextAreaField(_l("Description"), filters=[no_control],
                                validators=[Optional(), Length(max=1000, message=_l("Use at most 1000 "
                                                                                     "characters."))])
    color = StringField(_l("Colour"), filters=[stripped], validators=[Optional(), COLOUR],
                        description=_l("A colour like #1a73e8."))
    position = IntegerField(_l("Position"), validators=[Optional(), NumberRange(
        0, 100000, message=_l("Use a number from 0 to 100000."))])
    read_access = SelectField(_l("Who can read"), choices=[
        ("everyone", _l("Everyone")), ("members", _l("Members")), ("staff", _l("Staff only"))])
    topic_access = SelectField(_l("Who can start topics"), choices=[
        ("members", _l("Members")), ("staff", _l("Staff only"))])
    is_questions = BooleanField(_l("Questions and answers: a reply can be marked as the solution"))
    approve_topics = BooleanField(_l("Hold new topics for approval"))
    approve_replies = BooleanField(_l("Hold replies for approval"))


CATEGORY_TRANSLATED = ("name", "description")


def category_form_class(languages: Iterable[str]) -> type[FlaskForm]:
    """The category form with the name and description in each of ``languages`` (optional)."""
    return with_translations(CategoryForm, {
        "name": lambda: StringField(_l("Name"), filters=[stripped], validators=[
            Optional(), Length(max=80, message=_l("Use at most 80 characters."))]),
        "description": lambda: TextAreaField(_l("Description"), filters=[no_control], validators=[
            Optional(), Length(max=1000, message=_l("Use at most 1000 characters."))]),
    }, languages)


COC_TRANSLATED = ("body", "summary")


def coc_form_class(languages: Iterable[str]) -> type[FlaskForm]:
    """The form publishing a code of conduct, with its text in each of ``languages`` (optional)."""
    return with_translations(PublishCocForm, {
        "body": lambda: TextAreaField(_l("Code of conduct (Markdown)"), filters=[no_control], validators=[Optional()]),
        "summary": lambda: TextAreaField(_l("Summary of changes"), filters=[no_control], validators=[Optional()]),
    }, languages)


class BrandForm(FlaskForm):
    community_name = StringField(_l("Community name"), filters=[stripped],
                                 validators=[Optional(), Length(max=80, message=_l("Use at most 80 "
                                                                                   "characters."))])
    community_tagline = StringField(_l("Tagline"), filters=[stripped],
                                    validators=[Optional(), Length(max=160, message=_l("Use at most 160 "
                                                                                       "characters."))])
    logo_url = StringField(_l("Logo URL"), filters=[stripped], validators=[
        Optional(), Length(max=500, message=_l("Use at most 500 characters.")),
        Regexp(LOGO_PATTERN, message=_l("Use an https:// address or a path on this site."))])
    brand_primary = StringField(_l("Primary colour"), filters=[stripped], validators=[Optional(), COLOUR],
                                description=_l("A colour like #1a73e8."))
    brand_accent = StringField(_l("Accent colour"), filters=[stripped], validators=[Optional(), COLOUR],
                               description=_l("A colour like #1a73e8."))
    theme = SelectField(_l("Theme"), choices=[], validate_choice=False)
    # Images (forum.uploads.brand checks and re-encodes them; these only carry the file).
    logo = FileField(_l("Logo image"), render_kw={"accept": IMAGE_TYPES}, description=_l(
        "PNG, JPEG, GIF or WebP, shown in the header and in mail; transparency is kept. "
        "When set, it is shown instead of the logo URL."))
    favicon = FileField(_l("Favicon"), render_kw={"accept": IMAGE_TYPES}, description=_l(
        "A square image, ideally 512 × 512 pixels: the browser tab, bookmarks, and the icon on a phone's home "
        "screen. Other shapes are cropped to the centre."))
    social = FileField(_l("Social sharing image"), render_kw={"accept": IMAGE_TYPES}, description=_l(
        "Shown with links to the community on social networks and in chats; 1200 × 630 pixels is best."))
