"""Times: one format per locale (forum/dates.py), used through the ``time`` macro and the
``datetime`` filter only."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask_babel import force_locale

from forum import dates
from forum.db_types import utcnow

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = [*ROOT.glob("forum/templates/**/*.html"), *ROOT.glob("plugins/*/templates/**/*.html"),
             *ROOT.glob("themes/*/templates/**/*.html")]
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def ctx(app):
    # A visitor whose browser reported Rome's zone (forum.js sets this cookie).
    with app.test_request_context("/", headers={"Cookie": "tz=Europe%2FRome"}):
        yield


@pytest.mark.parametrize(("locale", "age", "expected"), [
    ("en", timedelta(seconds=20), "now"),
    ("en", timedelta(minutes=5), "5 min"),
    ("en", timedelta(hours=3, minutes=59), "3 hr"),
    ("en", timedelta(days=2, hours=5), "2 days"),
    ("it", timedelta(seconds=20), "adesso"),
    ("it", timedelta(hours=3), "3 h"),
    ("it", timedelta(days=2), "2 giorni"),
    ("fr", timedelta(seconds=20), "à l’instant"),
    ("fr", timedelta(hours=3), "3\u202fh"),
    ("fr", timedelta(days=2), "2\u202fj"),
])
def test_recent_times_are_relative_in_the_viewers_language(ctx, locale, age, expected):
    with force_locale(locale):
        assert dates.relative(NOW - age, now=NOW) == expected


def test_older_and_future_times_are_not_relative(ctx):
    assert dates.relative(NOW - timedelta(days=7), now=NOW) is None
    assert dates.relative(NOW + timedelta(minutes=1), now=NOW) is None


@pytest.mark.parametrize(("locale", "expected"), [
    ("en", "Mar 4, 2026, 4:07\u202fPM"), ("it", "4 mar 2026, 16:07"), ("fr", "4 mars 2026, 16:07")])
def test_the_absolute_format_is_the_locales_date_and_time_in_the_viewers_zone(ctx, locale, expected):
    with force_locale(locale):
        assert dates.absolute(datetime(2026, 3, 4, 15, 7, tzinfo=UTC)) == expected


def test_legacy_format_names_give_the_same_text_and_unknown_ones_fail(ctx):
    moment = utcnow() - timedelta(days=30)
    one = dates.datetime_filter(moment)
    assert dates.datetime_filter(moment, "short") == dates.datetime_filter(moment, "medium") == one
    assert dates.datetime_filter(None) == ""
    with pytest.raises(ValueError):
        dates.datetime_filter(moment, "yyyy-MM-dd")


def test_the_time_macro_shows_relative_text_with_the_exact_time_in_the_tooltip(app, ctx):
    with force_locale("it"):
        html = app.jinja_env.from_string('{% from "macros/ui.html" import time %}{{ time(t) }}').render(
            t=utcnow() - timedelta(hours=3, minutes=5))
    match = re.fullmatch(r'<time datetime="([^"]+)" title="([^"]+)">([^<]+)</time>', html)
    assert match, html
    assert datetime.fromisoformat(match.group(1)).tzinfo is not None
    assert re.search(r"\d{4}, \d{2}:\d{2}$", match.group(2))  # "4 mar 2026, 16:07"
    assert match.group(3) == "3 h"


def test_the_time_macro_shows_an_old_time_as_a_date_and_can_show_the_exact_time(app, ctx):
    template = app.jinja_env.from_string(
        '{% from "macros/ui.html" import time %}{{ time(t) }}|{{ time(t, relative=false) }}')
    old, exact = template.render(t=datetime(2025, 1, 2, 9, 30, tzinfo=UTC)).split("|")
    assert ">Jan 2, 2025</time>" in old and 'title="Jan 2, 2025, 10:30\u202fAM"' in old
    assert ">Jan 2, 2025, 10:30\u202fAM</time>" in exact


def test_templates_use_only_the_known_time_formats():
    used = []
    for path in TEMPLATES:
        text = path.read_text(encoding="utf-8")
        used += [(path.name, kind) for kind in re.findall(r"\|\s*datetime\(\s*[\"']([^\"']+)[\"']", text)]
        assert "format_datetime" not in text and "strftime" not in text, path
    unknown = [(name, kind) for name, kind in used if kind not in dates.KINDS and kind not in dates._LEGACY]
    assert not unknown


def test_a_time_typed_in_rome_is_stored_as_that_instant_in_utc(ctx):
    # 10:00 in Rome in March is 09:00 UTC (CET, +1), not 09:10 (Rome's 19th-century offset,
    # which replace(tzinfo=pytz zone) would take); July is CEST (+2).
    assert dates.from_viewer_zone(datetime(2026, 3, 10, 10, 0)) == datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
    assert dates.from_viewer_zone(datetime(2026, 7, 10, 10, 0)) == datetime(2026, 7, 10, 8, 0, tzinfo=UTC)
    assert dates.from_viewer_zone(None) is None
