"""What admins write, in the reader's language: the one owner of picking a translation.

The interface is translated by gettext; the texts an admin writes (category names and
descriptions, the code of conduct, canned reasons, application questions, word-filter
messages) are translated by the admin, per community language. They are stored two ways:

* **Rows with a ``translations`` JSON column** (``Category``, ``CodeOfConduct``): the row's own
  columns hold the community's default language; ``translations`` holds the others,
  ``{"it": {"name": ..., "description": ...}}``. Read with :func:`translated`.
* **Localized values** (settings, plugin rows): a plain ``str`` is the default language's text
  with no translation (what every value was before translations existed, so old values read
  unchanged); a ``dict`` maps languages to texts, ``{"en": ..., "it": ..., "fr": ...}``. Read
  with :func:`localize`; write with :func:`make_localized`.

The rule, everywhere: the reader's language if the admin wrote a non-empty text for it, else
the default language's text, else any non-empty variant (in the community's language order),
else ``""``. Translations live in the row (loaded with it) or in the settings (loaded once per
request): picking one never queries.

Templates use the ``localized`` filter, registered once by :func:`init_app`:
``{{ category|localized("name") }}`` for a row's field, ``{{ value|localized }}`` for a
localized value (a language as last argument overrides the reader's). The reader's language
is the request's interface language (:func:`reader_language`); outside a request, the
community's default language. A given member's language (mail, notices, what is written for
them while someone else makes the request) is :func:`member_language`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask, current_app, has_app_context, has_request_context
from flask_babel import get_locale

from forum.settings import get_setting

__all__ = [
    "Localized",
    "clean_translations",
    "community_languages",
    "default_language",
    "localize",
    "make_localized",
    "member_language",
    "reader_language",
    "shown_language",
    "translated",
    "variants",
]

# A text in the default language (str) or per language ({"en": ..., "it": ...}).
Localized = str | Mapping[str, str]


def default_language() -> str:
    """The community's default language: the admin's choice, else the configured one."""
    if not has_app_context():
        return "en"
    return str(get_setting("default_language") or current_app.config["DEFAULT_LOCALE"])


def community_languages() -> tuple[str, ...]:
    """The community's languages, default first (the order fallbacks and admin forms use)."""
    default = default_language()
    supported = tuple(current_app.config["SUPPORTED_LOCALES"]) if has_app_context() else (default,)
    return (default, *(code for code in supported if code != default))


def member_language(user: Any) -> str:
    """The language ``user`` reads in when they are not the one asking (mail, notices, a text
    written for them): their own choice if it is a community language, else what their browser
    last asked for (members who keep "the browser's language": ``browser_locale``, noted with
    their visits), else the community's default language (``None`` and visitors too)."""
    for locale in (getattr(user, "locale", None), getattr(user, "browser_locale", None)):
        if locale and locale in community_languages():  # (a settings read: only when there is one)
            return str(locale)
    return default_language()


def reader_language() -> str:
    """The language the current reader reads the interface in (default language outside a request)."""
    if has_request_context():
        locale = get_locale()
        if locale is not None:
            return str(locale)
    return default_language()


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


# --- rows with a translations column --------------------------------------------------------------

def shown_language(obj: Any, field: str, locale: str | None = None) -> str:
    """The language whose text of ``field`` :func:`translated` shows: ``locale`` (the reader's
    by default) when the row has a non-empty translation for it, else the default language."""
    locale = locale or reader_language()
    entry = (getattr(obj, "translations", None) or {}).get(locale)
    if isinstance(entry, Mapping) and _text(entry.get(field)):
        return locale
    return default_language()


def translated(obj: Any, field: str, locale: str | None = None) -> str:
    """``obj.<field>`` in ``locale`` (the reader's language by default), from ``obj.translations``,
    falling back to the column (the default language). ``None`` reads as ``""``."""
    if obj is None:
        return ""
    locale = locale or reader_language()
    entry = (getattr(obj, "translations", None) or {}).get(locale)
    if isinstance(entry, Mapping):
        text = entry.get(field)
        if isinstance(text, str) and text.strip():
            return text
    value = getattr(obj, field, "")
    return value if isinstance(value, str) else ""


def clean_translations(submitted: Mapping[str, Mapping[str, Any]], fields: Iterable[str],
                       languages: Iterable[str] | None = None) -> dict[str, dict[str, str]]:
    """A ``translations`` value from what an admin form sent: only the community's other
    languages, only the named fields, stripped, empty texts and empty languages dropped."""
    wanted = tuple(fields)
    default = default_language()
    allowed = [code for code in (languages or community_languages()) if code != default]
    cleaned: dict[str, dict[str, str]] = {}
    for code in allowed:
        entry = submitted.get(code) or {}
        texts = {name: text for name in wanted if (text := _text(entry.get(name)))}
        if texts:
            cleaned[code] = texts
    return cleaned


# --- localized values (settings, plugin rows) ----------------------------------------------------

def variants(value: Localized | None) -> dict[str, str]:
    """Every non-empty variant of a localized value, by language (a plain str is the default's)."""
    if isinstance(value, str):
        return {default_language(): value} if value.strip() else {}
    if isinstance(value, Mapping):
        return {str(code): text for code, text in value.items() if isinstance(text, str) and text.strip()}
    return {}


def localize(value: Localized | None, locale: str | None = None) -> str:
    """The text of a localized value for ``locale`` (the reader's language by default)."""
    if isinstance(value, str):
        return value
    found = variants(value)
    if not found:
        return ""
    for code in (locale or reader_language(), *community_languages()):
        if code in found:
            return found[code]
    return found[sorted(found)[0]]


def make_localized(texts: Mapping[str, str | None]) -> Localized:
    """A value to store from per-language texts: a plain str when only the default language
    has one (so untranslated values stay as they always were), else a dict of the non-empty ones."""
    cleaned = {code: text for code, raw in texts.items() if (text := _text(raw))}
    default = default_language()
    if set(cleaned) <= {default}:
        return cleaned.get(default, "")
    return cleaned


# --- templates ------------------------------------------------------------------------------------

def _localized_filter(value: Any, field: str | None = None, locale: str | None = None) -> str:
    if field is None:
        return localize(value, locale)
    return translated(value, field, locale)


def init_app(app: Flask) -> None:
    """Register the ``localized`` template filter (and global, for calls outside a pipe)."""
    app.add_template_filter(_localized_filter, "localized")
    app.add_template_global(_localized_filter, "localized")
