"""Themes: the loader chain overrides only what a theme ships; assets fall back to core."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from forum.themes import CORE_THEME, discover_themes, theme_chain

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
