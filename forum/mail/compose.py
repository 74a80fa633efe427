"""Writing a mail from templates: :func:`render_email` gives its text and HTML parts, with the brand.

Templates live in ``templates/mail/`` (a theme may override them like any template): ``<name>.txt``
(the text part, not escaped) and ``<name>.html`` (escaped, extending ``mail/base.html``, the
branded layout). They render in the current language and time zone: a caller writing to a member
wraps the call in :func:`forum.notifications.reading_as` (the recipient's, not the request's).

The layout is made for mail clients: no table layout, inline styles (clients drop stylesheets),
one column at most 600 px wide, the brand's colour on a bar and on the button with the text colour
that reads on it (:mod:`forum.colors`), a ``<style>`` for clients that follow the reader's dark
mode (the inline colours are the light ones), and every link absolute (:mod:`forum.urls`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import get_locale

from forum import colors
from forum.settings import all_settings
from forum.themes import DEFAULT_PRIMARY, brand_colors
from forum.urls import public_url

LIGHT_CARD = "#ffffff"
DARK_CARD = "#1d2126"


@dataclass(frozen=True)
class Brand:
    name: str
    home_url: str
    logo_url: str | None   # absolute, or None
    primary: str           # the bar and the button's fill
    on_primary: str        # the button's text: black or white, whichever reads on ``primary``
    link: str              # links on the light card (the primary, shaded to reach WCAG AA)
    link_dark: str         # links on the dark card (dark mode)


def brand() -> Brand:
    """The community's name, logo and colours, for mail (absolute logo URL, validated colours)."""
    settings = all_settings()
    primary = brand_colors(settings)[0] or DEFAULT_PRIMARY
    logo = str(settings.get("logo_url") or "").strip()
    if logo.startswith("/") and not logo.startswith("//"):
        logo = public_url(logo)
    elif not logo.startswith("https://"):
        logo = ""  # the brand form only accepts https:// addresses and site paths
    return Brand(name=str(settings.get("community_name") or current_app.config["COMMUNITY_NAME"]),
                 home_url=public_url("/"), logo_url=logo or None, primary=primary,
                 on_primary=colors.text_on(primary), link=colors.readable_on(primary, (LIGHT_CARD,)),
                 link_dark=colors.readable_on(primary, (DARK_CARD,)))


def render_email(template: str, **context: Any) -> tuple[str, str]:
    """``(text, html)`` of ``mail/<template>.txt`` and ``mail/<template>.html`` with ``context``,
    plus ``brand`` and ``lang`` (the current language). No request globals are used: a job
    renders it for a member who is not the one making any request."""
    values = {"brand": brand(), "lang": str(get_locale() or current_app.config.get("DEFAULT_LOCALE", "en")),
              **context}
    env = current_app.jinja_env
    text = env.get_template(f"mail/{template}.txt").render(values)
    html = env.get_template(f"mail/{template}.html").render(values)
    return _tidy_text(text), html


def _tidy_text(text: str) -> str:
    """Template whitespace out of the text part: no trailing spaces, at most one blank line."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    return "\n".join(tidy) + "\n"
