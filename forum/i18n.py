"""Language and time zone selection, and the translation directories of every package.

Each domain and plugin may ship its own ``translations/`` folder; Flask-Babel merges them,
so domains never fight over one catalog file.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from pathlib import Path
from urllib.parse import unquote

from flask import Flask, current_app, has_request_context, request
from flask_login import current_user

from forum import i18n_content
from forum.extensions import babel

FORUM_DIR = Path(__file__).resolve().parent
LOCALE_NAMES = {"en": "English", "it": "Italiano", "fr": "Français"}


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def translation_directories(extra: list[str] | None = None) -> list[str]:
    dirs = [str(FORUM_DIR / "translations")]
    dirs += sorted(str(p) for p in FORUM_DIR.glob("*/translations") if p.is_dir())
    return dirs + (extra or [])


def select_locale() -> str:
    supported = current_app.config["SUPPORTED_LOCALES"]
    if not has_request_context():  # CLI and background work: the community's language
        return current_app.config["DEFAULT_LOCALE"]
    user_locale = getattr(current_user, "locale", None)
    if user_locale in supported:
        return str(user_locale)
    cookie = request.cookies.get("locale")
    if cookie in supported:
        return str(cookie)
    return str(request.accept_languages.best_match(supported) or current_app.config["DEFAULT_LOCALE"])


def browser_locale() -> str | None:
    """The language the browser asks for (the footer's choice, else Accept-Language), whatever
    the member chose: what :func:`forum.accounts.visits.note_visit` remembers for mail."""
    supported = current_app.config["SUPPORTED_LOCALES"]
    cookie = request.cookies.get("locale")
    if cookie in supported:
        return str(cookie)
    match = request.accept_languages.best_match(supported)
    return str(match) if match else None


def browser_timezone() -> str | None:
    """The zone forum.js reads from the browser (URL-encoded: "Europe%2FRome"), if valid."""
    cookie = unquote(request.cookies.get("tz") or "")
    return cookie if cookie in known_timezones() else None


def select_timezone() -> str:
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    user_tz = getattr(current_user, "timezone", None)
    if user_tz and user_tz in known_timezones():
        return user_tz
    # Set by a one-line script from the browser's own zone, so visitors see local times too.
    return browser_timezone() or current_app.config["BABEL_DEFAULT_TIMEZONE"]


def init_app(app: Flask) -> None:
    plugin_dirs = [str(Path(d) / p / "translations") for d in app.config["PLUGIN_DIRS"]
                   if Path(d).is_dir() for p in sorted(x.name for x in Path(d).iterdir())
                   if (Path(d) / p / "translations").is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories(plugin_dirs))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    i18n_content.init_app(app)  # the ``localized`` template filter: admins' texts in the reader's language
