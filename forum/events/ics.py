"""iCalendar (RFC 5545) feeds and "add to calendar" links.

* UID is fixed when the event is created (``event-<id>@<host>``), so re-downloading a feed
  updates the event instead of duplicating it.
* SEQUENCE is the event's counter, bumped on every change of time, place or status;
  DTSTAMP/LAST-MODIFIED are the last change, so an unchanged feed is byte-for-byte stable.
* Timed events carry ``TZID`` and the calendar a VTIMEZONE for each zone (built from
  zoneinfo by icalendar), so clients keep the local time right across daylight-saving changes.
* All-day events are DATE values (DTEND exclusive). Cancelled events stay, STATUS:CANCELLED.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import timedelta
from urllib.parse import quote, urlencode

from icalendar import Calendar
from icalendar import Event as VEvent

from forum import __version__, markup

from .models import Event

PRODID = f"-//Circolo//Circolo {__version__}//EN"


def location_text(event: Event) -> str:
    return ", ".join(part for part in (event.venue, event.address) if part)


def _description(event: Event, url: str, with_online_link: bool) -> str:
    parts = [markup.plain_text(event.description)] if event.description else []
    if with_online_link and event.online_url:
        parts.append(f"Online: {event.online_url}")
    if event.map_url:
        parts.append(f"Map: {event.map_url}")
    parts.append(url)
    return "\n\n".join(parts)


def vevent(event: Event, url: str, *, with_online_link: bool = False) -> VEvent:
    item = VEvent()
    item.add("uid", event.uid)
    item.add("dtstamp", event.updated_at)
    item.add("created", event.created_at)
    item.add("last-modified", event.updated_at)
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    if event.all_day and event.start_date and event.end_date:
        item.add("dtstart", event.start_date)
        item.add("dtend", event.end_date + timedelta(days=1))
    else:
        item.add("dtstart", event.local_start)
        item.add("dtend", event.local_end)
    item.add("status", "CANCELLED" if event.is_cancelled else "CONFIRMED")
    if location := location_text(event):
        item.add("location", location)
    elif with_online_link and event.online_url:
        item.add("location", event.online_url)
    item.add("url", url)
    item.add("description", _description(event, url, with_online_link))
    item.add("class", "PUBLIC")
    return item


def calendar(events: Sequence[Event], *, name: str, url_of: Callable[[Event], str],
             online_for: Collection[int] = ()) -> bytes:
    """A VCALENDAR of ``events``; ``online_for`` holds ids whose online link may be included
    (only the personal feed of someone going passes any)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for event in events:
        cal.add_component(vevent(event, url_of(event), with_online_link=event.id in online_for))
    if events:
        # VTIMEZONE rules only for the years the events need, not 1970..2038 for every zone.
        first = min(e.starts_at for e in events).date() - timedelta(days=366)
        last = max(e.ends_at for e in events).date() + timedelta(days=366)
        cal.add_missing_timezones(first_date=first, last_date=last)
    return cal.to_ical()


def google_calendar_url(event: Event, url: str) -> str:
    """Google Calendar's "create event" template, pre-filled; every value URL-encoded."""
    if event.all_day and event.start_date and event.end_date:
        dates = f"{event.start_date:%Y%m%d}/{event.end_date + timedelta(days=1):%Y%m%d}"
    else:
        dates = f"{event.starts_at:%Y%m%dT%H%M%SZ}/{event.ends_at:%Y%m%dT%H%M%SZ}"
    params = {"action": "TEMPLATE", "text": event.title, "dates": dates, "details": url,
              "location": location_text(event), "ctz": event.timezone}
    return "https://calendar.google.com/calendar/render?" + urlencode(params, quote_via=quote)
