"""How a time is shown: the one format per locale, in the viewer's time zone.

Templates never format times themselves: they call the ``time`` macro
(``forum/templates/macros/ui.html``), which renders ``<time datetime=ISO title=absolute>`` with
a relative text for the recent past ("3 h", "2 giorni", "2 j"), or the ``datetime`` filter
(this module's :func:`datetime_filter`, registered in ``forum/app.py``) where a sentence needs
the absolute text ("until %(date)s").

Relative times are rendered by the server (no script rewrites them), so a page cached for a
few minutes is off by those minutes at most; the tooltip keeps the exact time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo

from babel.dates import format_date, format_skeleton, format_time
from babel.units import format_unit
from flask_babel import format_timedelta, get_locale, get_timezone
from flask_babel import gettext as _

from forum.db_types import utcnow

# Past times closer than this read as "3 h" / "2 days"; older ones as a date.
RELATIVE_FOR = timedelta(days=7)
# The kinds the filter knows. Babel's format names ("short", "medium"...) from before the one
# format was agreed on all mean the full date and time, so every list agrees.
KINDS = ("datetime", "date", "month", "relative")
_LEGACY = {"short": "datetime", "medium": "datetime", "long": "datetime", "full": "datetime"}


def _aware(value: datetime) -> datetime:
    # The database hands out UTC; a naive value (SQLite, tests) is UTC too.
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def absolute(value: datetime, kind: str = "datetime", zone: tzinfo | None = None) -> str:
    """The locale's medium date, with its short time for "datetime" ("Mar 4, 2026, 3:07 PM",
    "4 mar 2026, 15:07", "4 mars 2026, 15:07"), in ``zone`` (default: the viewer's);
    "month": "Mar 2026". Code that formats for someone else (mail) passes their zone."""
    locale = get_locale()
    local = _aware(value).astimezone(zone or get_timezone())
    if kind == "month":
        return format_skeleton("yMMM", local, locale=locale)
    day = format_date(local, "medium", locale=locale)
    if kind == "date":
        return day
    pattern = locale.datetime_formats.get("medium", "{1} {0}") if locale else "{1} {0}"
    return str(pattern).format(format_time(local, "short", locale=locale), day)


def from_viewer_zone(value: datetime | None) -> datetime | None:
    """A time the viewer typed (a ``datetime-local`` field: a naive wall-clock time in their own
    zone) as aware UTC; None stays None. The one conversion forms use.

    Flask-Babel hands out pytz zones, which must ``localize``: ``replace(tzinfo=zone)`` would take
    the zone's first historical offset (Rome's local mean time, +0:50) instead of today's."""
    if value is None:
        return None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    zone = get_timezone()
    local = zone.localize(value) if hasattr(zone, "localize") else value.replace(tzinfo=zone)
    return local.astimezone(UTC)


def to_viewer_zone(value: datetime | None) -> datetime | None:
    """A stored UTC time as the viewer's naive wall-clock time, for a ``datetime-local`` field's
    value (the inverse of :func:`from_viewer_zone`); None stays None."""
    if value is None:
        return None
    return _aware(value).astimezone(get_timezone()).replace(tzinfo=None)


def until(delta: timedelta) -> str:
    """How far off a coming moment is, in the viewer's language: "in 3 hours", "in 2 days"
    (a past moment reads "3 hours ago")."""
    return format_timedelta(delta, threshold=1.0, add_direction=True)


def relative(value: datetime, now: datetime | None = None) -> str | None:
    """"now", "5 min", "3 h", "2 days" in the viewer's language (Babel's short units), or None
    when the time is in the future or older than :data:`RELATIVE_FOR`."""
    age = (now or utcnow()) - _aware(value)
    if age < timedelta(0) or age >= RELATIVE_FOR:
        return None
    seconds = int(age.total_seconds())
    if seconds < 60:
        return _("now")
    unit, size = next((u, s) for u, s in (("day", 86400), ("hour", 3600), ("minute", 60)) if seconds >= s)
    return format_unit(seconds // size, f"duration-{unit}", length="short", locale=get_locale())


def duration(td: timedelta | float | None) -> str:
    """A short, localised duration ("3 hours", "30 hours", "90 minutes"); seconds are accepted
    too; None is a dash."""
    if td is None:
        return "–"
    if not isinstance(td, timedelta):
        td = timedelta(seconds=float(td))
    # threshold 2: "30 hours" rather than "1 day", "90 minutes" rather than "2 hours".
    return format_timedelta(td, granularity="minute", threshold=2)


def calendar_day(day: date, kind: str = "day") -> str:
    """A calendar day (a ``date``: no time, no zone to convert, e.g. the UTC days statistics are
    kept by): "day" is the locale's medium date as :func:`absolute` shows it ("Mar 4, 2026",
    "4 mar 2026"); "short_day" leaves the year out where it is plain ("Mar 4", "4 mar")."""
    if kind == "short_day":
        return format_skeleton("MMMd", day, locale=get_locale())
    if kind != "day":
        raise ValueError(f"unknown day format {kind!r}: use 'day' or 'short_day'")
    return format_date(day, "medium", locale=get_locale())


def datetime_filter(value: datetime | None, kind: str = "datetime") -> str:
    """``{{ dt|datetime }}``: "datetime" (default), "date", "month", or "relative" (the recent
    past as "3 h", anything else as a date). Unknown kinds fail loudly, so no template invents
    a format of its own."""
    if not value:
        return ""
    kind = _LEGACY.get(kind, kind)
    if kind not in KINDS:
        raise ValueError(f"unknown time format {kind!r}: use one of {KINDS}")
    if kind == "relative":
        text = relative(value)
        if text:
            return text
        # The future (a claim's or a silence's end) needs its hour; the older past, its day.
        kind = "datetime" if _aware(value) > utcnow() else "date"
    return absolute(value, kind)
