"""Themes: the loader chain overrides only what a theme ships; assets fall back to core."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from forum.colors import contrast_ratio, parse_hex, relative_luminance
from forum.themes import (
    CORE_THEME,
    DARK_SURFACES,
    DEFAULT_ACCENT,
    DEFAULT_PRIMARY,
    LIGHT_SURFACES,
    brand_palette,
    discover_themes,
    theme_chain,
)

REPO_THEMES = str(Path(__file__).resolve().parents[1] / "themes")


@pytest.fixture
def app_config():
    return {"THEME": "terracotta", "THEME_DIRS": [REPO_THEMES]}


def test_theme_overrides_one_block_and_keeps_the_rest(client):
    html = client.get("/").get_data(as_text=True)
    assert 'class="terracotta-hero"' in html  # the theme's block
    assert "General" in html  # the core template's list, through {{ super() }}
    assert "/theme/css/terracotta.css" in html
    # A page the theme does not override comes from core.
    assert client.get("/latest").status_code == 200


def test_theme_static_falls_back_to_core(client):
    assert client.get("/theme/css/terracotta.css").status_code == 200
    assert b"--brand-primary" in client.get("/theme/css/forum.css").data  # core asset via the chain
    assert client.get("/theme/css/missing.css").status_code == 404
    assert client.get("/theme/../forum/config.py").status_code == 404


def test_theme_defaults_colours_reach_css(client):
    assert "--brand-primary: #a4462b;" in client.get("/").get_data(as_text=True)


def test_discovery_skips_invalid_and_stops_cycles(tmp_path):
    for theme_id, parent in (("a", "b"), ("b", "a")):
        (tmp_path / theme_id).mkdir()
        (tmp_path / theme_id / "theme.json").write_text(json.dumps({"id": theme_id, "parent": parent}))
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "theme.json").write_text(json.dumps({"id": "../etc"}))
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "theme.json").write_text("{not json")
    themes = discover_themes([str(tmp_path)])
    assert set(themes) == {"core", "a", "b"}
    chain = theme_chain(themes, "a")
    assert [t.id for t in chain] == ["a", "b", "core"]
    assert theme_chain(themes, "nope") == [CORE_THEME]


def test_unsafe_stylesheet_paths_are_ignored(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "theme.json").write_text(json.dumps(
        {"id": "x", "stylesheets": ["../../secret.css", "/abs.css", "ok/style.css", "evil.js"]}))
    assert discover_themes([str(tmp_path)])["x"].stylesheets == ("ok/style.css",)


# --- brand colours -> readable shades in both schemes (forum.themes.brand_palette) -------------------

CSS = (Path(__file__).resolve().parents[1] / "forum" / "static" / "css" / "forum.css").read_text()
SAMPLE_COLOURS = ["#2f5d8a", "#d9822b", "#a4462b", "#2b7a78", "#ffd400", "#ffff00", "#00ff00", "#808080",
                  "#000000", "#ffffff", "#0000ff", "#ff0000", "#1d2126", "#f6f7f9", "#7f00ff", "#00ffff"]


def css_pair(name: str) -> tuple[str, str]:
    """The (light, dark) values of ``--name: light-dark(a, b)`` in forum.css."""
    match = re.search(rf"--{name}: light-dark\((#[0-9a-f]{{6}}), (#[0-9a-f]{{6}})\)", CSS)
    assert match, f"--{name} is not a light-dark() pair in forum.css"
    return match.group(1), match.group(2)


@pytest.mark.parametrize("colour", SAMPLE_COLOURS)
def test_any_brand_colour_gives_text_that_reads_on_every_surface_of_both_schemes(colour):
    palette = brand_palette(colour, colour)
    light, dark = re.fullmatch(r"light-dark\((#\w{6}), (#\w{6})\)", palette["--brand-primary-text"]).groups()
    assert min(contrast_ratio(light, s) for s in LIGHT_SURFACES) >= 4.5
    assert min(contrast_ratio(dark, s) for s in DARK_SURFACES) >= 4.5
    # Text on the colour used as a fill (buttons, counters): black or white, whichever reads.
    assert contrast_ratio(palette["--on-brand-primary"], colour) >= 4.5
    assert contrast_ratio(palette["--on-brand-accent"], colour) >= 4.5


def test_a_colour_that_already_reads_is_kept_and_others_keep_their_hue():
    assert brand_palette("#2f5d8a", "#d9822b")["--brand-primary-text"].startswith("light-dark(#2f5d8a, ")
    dark = re.search(r", (#\w{6})\)", brand_palette("#2f5d8a", "#d9822b")["--brand-primary-text"]).group(1)
    assert dark != "#2f5d8a" and relative_luminance(dark) > relative_luminance("#2f5d8a")  # lighter
    r, _, b = parse_hex(dark)
    assert b > r  # still a blue, not a grey


def test_forum_css_surfaces_are_the_ones_brand_shades_are_computed_against():
    pairs = [css_pair(name) for name in ("bg", "surface", "official-bg", "info-bg", "warn-bg")]
    assert tuple(light for light, _ in pairs) == LIGHT_SURFACES
    assert tuple(dark for _, dark in pairs) == DARK_SURFACES


def test_forum_css_default_brand_variables_are_what_brand_css_derives_from_the_default_colours():
    # Without a brand colour chosen no <style> is sent, so the stylesheet's defaults must be right.
    for name, value in brand_palette(DEFAULT_PRIMARY, DEFAULT_ACCENT).items():
        assert f"{name}: {value};" in CSS, name


@pytest.mark.parametrize("text", ["text", "muted", "ok", "error", "warn"])
def test_the_neutral_palette_reads_on_every_surface_in_both_schemes(text):
    light, dark = css_pair(text)
    assert min(contrast_ratio(light, s) for s in LIGHT_SURFACES) >= 4.5
    assert min(contrast_ratio(dark, s) for s in DARK_SURFACES) >= 4.5


def test_the_stylesheet_never_asks_the_device_for_its_scheme_directly():
    # A prefers-color-scheme block would override a member's explicit light/dark choice.
    assert "prefers-color-scheme" not in CSS
    terracotta = Path(REPO_THEMES, "terracotta", "static", "css", "terracotta.css").read_text()
    assert "prefers-color-scheme" not in terracotta


def test_an_admin_colour_reaches_the_page_with_its_derived_shades(client):
    from forum.extensions import db
    from forum.settings import set_setting

    set_setting("brand_primary", "#ffd400")  # a yellow: unreadable as link text on white
    db.session.commit()
    style = re.search(r'<style nonce="[^"]+">(.*?)</style>', client.get("/").get_data(as_text=True), re.S).group(1)
    assert "--brand-primary: #ffd400;" in style
    light = re.search(r"--brand-primary-text: light-dark\((#\w{6}),", style).group(1)
    assert contrast_ratio(light, "#ffffff") >= 4.5
    assert "--on-brand-primary: #000000;" in style


def test_browsers_without_light_dark_get_every_colour_in_its_light_shade():
    """light-dark() is from 2024: an older browser must still get each colour, not none."""
    css = (Path(__file__).resolve().parent.parent / "forum" / "static" / "css" / "forum.css").read_text()
    root = css[css.index(":root {"):css.index("}", css.index(":root {"))]
    fallback = css[css.index("@supports not (color: light-dark("):]
    fallback = fallback[:fallback.index("}\n}")]
    pairs = re.findall(r"(--[\w-]+):\s*light-dark\(\s*([^,]+?)\s*,", root)
    assert pairs
    for name, light in pairs:
        assert f"{name}: {light};" in fallback, f"{name} has no light fallback"
