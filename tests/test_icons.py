"""Icons are inline SVG (macros/icons.html), never emoji: emoji need a font many systems lack
(they show as empty boxes), and their colour ignores the theme."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = sorted([*ROOT.glob("forum/templates/**/*.html"), *ROOT.glob("plugins/*/templates/**/*.html"),
                    *ROOT.glob("themes/*/templates/**/*.html")])
CATALOGS = sorted([*ROOT.glob("forum/**/translations/*/LC_MESSAGES/messages.po"),
                   *ROOT.glob("plugins/*/translations/*/LC_MESSAGES/messages.po")])
# Pictographs and dingbats that only an emoji or symbol font draws: ⌛⏳, ☆★☕⚠✓✔, ⭐, 🔔📌🔒…
EMOJI = re.compile("[\u2300-\u23ff\u2600-\u27bf\u2b00-\u2bff\ufe0f\U0001f000-\U0001faff]")
ICONS_FILE = ROOT / "forum" / "templates" / "macros" / "icons.html"


def test_no_template_draws_an_icon_with_an_emoji():
    found = [f"{p.relative_to(ROOT)}:{n}: {line.strip()[:80]}" for p in TEMPLATES
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if EMOJI.search(line)]
    assert not found, "\n".join(found)


def test_no_translation_adds_an_emoji():
    found = [f"{p.relative_to(ROOT)}: {line.strip()[:80]}" for p in CATALOGS
             for line in p.read_text(encoding="utf-8").splitlines()
             if line.startswith(("msgid", "msgstr")) and EMOJI.search(line)]
    assert not found, "\n".join(found)


def test_every_icon_a_template_asks_for_exists():
    known = set(re.findall(r'^\s*"([a-z-]+)": \[', ICONS_FILE.read_text(encoding="utf-8"), re.M))
    assert {"bell", "pin", "lock", "check", "menu", "search"} <= known
    asked = {(p.name, name) for p in TEMPLATES
             for name in re.findall(r'\bicon\(\s*"([^"]+)"', p.read_text(encoding="utf-8"))}
    asked |= {("ui.html", name) for name in ("reply", "topics", "posts")}  # stat() picks these
    assert {(f, n) for f, n in asked if n not in known} == set()


@pytest.mark.parametrize(("call", "expect"), [
    ('icon("bell")', 'aria-hidden="true"'),
    ('icon("bell", label="Notifications")', 'role="img" aria-label="Notifications"'),
])
def test_an_icon_is_svg_in_the_text_colour_hidden_or_named(app, call, expect):
    with app.test_request_context("/"):
        html = app.jinja_env.from_string('{% from "macros/icons.html" import icon %}{{ ' + call + " }}").render()
    assert html.startswith("<svg") and 'stroke="currentColor"' in html and expect in html
    assert 'focusable="false"' in html and html.count("<path") == 2


def test_a_label_is_escaped(app):
    with app.test_request_context("/"):
        html = app.jinja_env.from_string('{% from "macros/icons.html" import icon %}{{ icon("bell", label=x) }}'
                                          ).render(x='"><script>')
    assert "<script>" not in html and "&#34;&gt;&lt;script&gt;" in html
