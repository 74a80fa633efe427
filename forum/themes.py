"""Themes: discovery, the Jinja loader chain, theme static files and brand CSS variables.

The chain is built once at start-up: active theme -> its parents -> ``forum/templates``.
``core/<path>`` always names the core template, so a theme can extend the file it overrides
and replace a single block. Blueprint (plugin) loaders come after the app loader, so themes
can override plugin templates too.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, abort, current_app, send_from_directory
from jinja2 import BaseLoader, ChoiceLoader, FileSystemLoader, PrefixLoader
from werkzeug.security import safe_join

from forum import colors

log = logging.getLogger(__name__)

CORE_TEMPLATES = Path(__file__).resolve().parent / "templates"
CORE_STATIC = Path(__file__).resolve().parent / "static"
THEME_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,40}$")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass
class Theme:
    id: str
    name: str
    version: str = ""
    parent: str | None = "core"
    path: Path | None = None  # None for the core theme
    defaults: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    stylesheets: tuple[str, ...] = ()  # paths under static/, loaded after the core stylesheet

    @property
    def templates(self) -> Path | None:
        return self.path / "templates" if self.path else CORE_TEMPLATES

    @property
    def static(self) -> Path:
        return self.path / "static" if self.path else CORE_STATIC


CORE_THEME = Theme(id="core", name="Circolo", parent=None, description="The default look.")


def discover_themes(theme_dirs: tuple[str, ...] | list[str]) -> dict[str, Theme]:
    themes = {"core": CORE_THEME}
    for directory in theme_dirs:
        base = Path(directory)
        if not base.is_dir():
            continue
        for child in sorted(base.iterdir()):
            manifest = child / "theme.json"
            if not manifest.is_file():
                continue
            try:
                data = json.loads(manifest.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                log.exception("theme %s has an unreadable theme.json", child.name)
                continue
            theme_id = str(data.get("id", child.name))
            if not THEME_ID.match(theme_id) or theme_id == "core":
                log.error("theme in %s has an invalid id %r", child, theme_id)
                continue
            themes[theme_id] = Theme(
                id=theme_id,
                name=str(data.get("name", theme_id)),
                version=str(data.get("version", "")),
                parent=str(data.get("parent", "core")),
                path=child,
                defaults=dict(data.get("defaults", {})),
                description=str(data.get("description", "")),
                stylesheets=tuple(str(p) for p in data.get("stylesheets", []) if _safe_asset(str(p))),
            )
    return themes


def _safe_asset(path: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z0-9_./-]+\.css", path)) and ".." not in path and not path.startswith("/")


def theme_chain(themes: dict[str, Theme], active: str) -> list[Theme]:
    """Active theme first, then its ancestors, ending with core. Cycles and unknowns stop."""
    chain: list[Theme] = []
    current: str | None = active if active in themes else "core"
    while current and current in themes and themes[current] not in chain:
        chain.append(themes[current])
        current = themes[current].parent
    if CORE_THEME not in chain:
        chain.append(CORE_THEME)
    return chain


def build_loader(chain: list[Theme]) -> BaseLoader:
    loaders: list[BaseLoader] = [PrefixLoader({"core": FileSystemLoader(str(CORE_TEMPLATES))})]
    loaders += [FileSystemLoader(str(t.templates)) for t in chain if t.templates and t.templates.is_dir()]
    return ChoiceLoader(loaders)


theme_static = Blueprint("theme_static", __name__)


@theme_static.route("/theme/<path:filename>")
def static_file(filename: str) -> Any:
    """Theme assets, resolved through the chain so a theme ships only what it changes."""
    for theme in current_app.extensions["forum.theme_chain"]:
        if safe_join(str(theme.static), filename) and (theme.static / filename).is_file():
            return send_from_directory(theme.static, filename, max_age=3600)
    abort(404)


def init_app(app: Flask, active: str | None = None) -> None:
    themes = discover_themes(app.config["THEME_DIRS"])
    chain = theme_chain(themes, active or app.config["THEME"])
    app.extensions["forum.themes"] = themes
    app.extensions["forum.theme_chain"] = chain
    app.jinja_loader = build_loader(chain)  # type: ignore[assignment]
    app.register_blueprint(theme_static)


def active_theme() -> Theme:
    return current_app.extensions["forum.theme_chain"][0]


def theme_stylesheets() -> list[str]:
    """Stylesheets of the chain, ancestors first, so a child theme's rules win."""
    sheets: list[str] = []
    for theme in reversed(current_app.extensions["forum.theme_chain"]):
        sheets.extend(s for s in theme.stylesheets if s not in sheets)
    return sheets


# The surfaces text sits on in each scheme (page, cards, official replies, notices, warnings):
# the same values as forum/static/css/forum.css (a test keeps them equal). Brand shades are
# derived against all of them.
LIGHT_SURFACES = ("#f6f7f9", "#ffffff", "#eef6ff", "#e6f0fb", "#fff4d6")
DARK_SURFACES = ("#14171b", "#1d2126", "#14263b", "#132a44", "#3a300f")
DEFAULT_PRIMARY = "#2f5d8a"
DEFAULT_ACCENT = "#d9822b"
# A little above WCAG AA's 4.5:1, so the shades still pass on a theme's slightly different page
# colour and after the browser's own rounding.
BRAND_TEXT_CONTRAST = 4.6


@lru_cache(maxsize=64)
def brand_palette(primary: str, accent: str) -> dict[str, str]:
    """CSS custom properties for two validated #rrggbb brand colours.

    Admins may pick any colour, so what text needs is derived: ``--brand-primary-text`` (links,
    labels) is the primary colour darkened or lightened just enough to read on every surface of
    each scheme (``light-dark()`` picks the one for the page's scheme), and ``--on-brand-*`` is
    black or white, whichever reads on the colour used as a fill (buttons, counters)."""
    light = colors.readable_on(primary, LIGHT_SURFACES, BRAND_TEXT_CONTRAST)
    dark = colors.readable_on(primary, DARK_SURFACES, BRAND_TEXT_CONTRAST)
    return {
        "--brand-primary": primary,
        "--brand-accent": accent,
        "--brand-primary-text": f"light-dark({light}, {dark})",
        "--on-brand-primary": colors.text_on(primary),
        "--on-brand-accent": colors.text_on(accent),
    }


def brand_colors(settings: dict[str, Any]) -> tuple[str | None, str | None]:
    """The brand's (primary, accent) colours: the admin's, else the active theme's, each a
    validated #rrggbb or None (not chosen). The site's CSS and the mail's inline styles both
    read them here."""
    defaults: dict[str, Any] = {}
    for theme in reversed(current_app.extensions["forum.theme_chain"]):
        defaults.update(theme.defaults)

    def pick(key: str) -> str | None:
        for value in (settings.get(f"brand_{key}"), defaults.get(key)):
            if isinstance(value, str) and HEX_COLOUR.match(value):
                return value
        return None

    return pick("primary"), pick("accent")


def brand_css(settings: dict[str, Any]) -> str:
    """Brand colours as CSS custom properties. Only validated #rrggbb values get through,
    so an admin setting can never inject CSS. With no brand colour chosen (by an admin or the
    theme) nothing is emitted: forum.css carries the palette of the default colours."""
    primary, accent = brand_colors(settings)
    if primary is None and accent is None:
        return ""
    palette = brand_palette(primary or DEFAULT_PRIMARY, accent or DEFAULT_ACCENT)
    light_text = palette["--brand-primary-text"].removeprefix("light-dark(").split(",")[0]
    # Browsers without light-dark() (before 2024) would lose the link colour: the light shade.
    return (":root{" + "".join(f"{k}: {v};" for k, v in palette.items()) + "}"
            "@supports not (color: light-dark(#000, #fff)){:root{--brand-primary-text: " + light_text + ";}}")
