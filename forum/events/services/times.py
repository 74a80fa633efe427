"""Wall-clock times in a meetup's own zone, and the zones a host may choose from."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from forum.i18n import known_timezones


def local_to_utc(day: date, at: time, zone: ZoneInfo, *, strict: bool = True) -> datetime:
    """Wall-clock time in ``zone`` -> aware UTC. A time skipped by a daylight-saving change
    does not exist there; ``strict`` refuses it instead of silently moving it by an hour."""
    local = datetime.combine(day, at).replace(tzinfo=zone)
    instant = local.astimezone(UTC)
    if strict and instant.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValueError("nonexistent local time")
    return instant


def zone_or_none(name: str | None) -> ZoneInfo | None:
    if not name or name not in known_timezones():
        return None
    return ZoneInfo(name)
