"""Language and time zone selection, and the translation directories of every package.

Each domain and plugin may ship its own ``translations/`` folder; Flask-Babel merges them,
so domains never fight over one catalog file.
"""

from __future__ import annotations

import zoneinfo
from functools import cache
from pathlib import Path

from flask import Flask, current_app, request
from flask_login import current_user

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
    user_locale = getattr(current_user, "locale", None)
    if user_locale in supported:
        return user_locale
    cookie = request.cookies.get("locale")
    if cookie in supported:
        return cookie
    return request.accept_languages.best_match(supported) or current_app.config["DEFAULT_LOCALE"]


def select_timezone() -> str:
    user_tz = getattr(current_user, "timezone", None)
    if user_tz and user_tz in known_timezones():
        return user_tz
    # Set by a one-line script from the browser's own zone, so visitors see local times too.
    cookie = request.cookies.get("tz")
    if cookie and cookie in known_timezones():
        return cookie
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]


def init_app(app: Flask) -> None:
    from forum.extensions import babel

    plugin_dirs = [str(Path(d) / p / "translations") for d in app.config["PLUGIN_DIRS"]
                   if Path(d).is_dir() for p in sorted(x.name for x in Path(d).iterdir())
                   if (Path(d) / p / "translations").is_dir()]
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(translation_directories(plugin_dirs))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
