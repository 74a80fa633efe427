"""ICS feeds (RFC 5545 via icalendar): stable UIDs, SEQUENCE, cancellations, time zones, DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from forum.events import ics, services
from forum.extensions import db
from tests.factories import event_input, make_category

ROME = ZoneInfo("Europe/Rome")


def parse(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.get_data())


def vevents(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_event_feed_parses_and_round_trips(client, make_event):
    event = make_event()
    response = client.get(f"/events/{event.id}.ics")
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    cal = parse(response)
    assert Calendar.from_ical(cal.to_ical()).to_ical() == cal.to_ical() == body
    (item,) = cal.walk("VEVENT")
    assert str(item["UID"]) == event.uid
    assert str(item["SUMMARY"]) == "Community meetup in Rome"
    assert item["DTSTART"].dt == event.local_start and item["DTSTART"].dt.tzinfo.key == "Europe/Rome"
    assert item["DTSTART"].params["TZID"] == "Europe/Rome"
    assert item["DTEND"].dt == event.local_end
    assert str(item["STATUS"]) == "CONFIRMED" and int(item["SEQUENCE"]) == 0
    assert "Circolo Bar" in str(item["LOCATION"])
    assert str(item["URL"]).endswith(f"/events/{event.id}/{event.slug}")
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Rome"]
    assert cal.get_missing_tzids() == set()


def test_uid_stable_and_sequence_grows_on_time_place_and_cancel(client, make_event, host):
    event = make_event()
    first = client.get(f"/events/{event.id}.ics").get_data()
    assert client.get(f"/events/{event.id}.ics").get_data() == first  # nothing changed: same bytes
    day = event.local_start.date()
    services.update_event(host, event, event_input(title="Renamed meetup", start_date=day, end_date=day))
    item = parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert str(item["UID"]) == event.uid and int(item["SEQUENCE"]) == 0  # a title is not time or place
    services.update_event(host, event, event_input(title="Renamed meetup", start_date=day, end_date=day,
                                                   start_time=time(20), end_time=time(22)))
    assert int(parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]["SEQUENCE"]) == 1
    services.update_event(host, event, event_input(title="Renamed meetup", start_date=day, end_date=day,
                                                   start_time=time(20), end_time=time(22), venue="Other bar"))
    assert int(parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]["SEQUENCE"]) == 2
    services.cancel_event(host, event)
    item = parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert int(item["SEQUENCE"]) == 3 and str(item["STATUS"]) == "CANCELLED"
    assert str(item["UID"]) == event.uid


def test_moving_an_event_across_the_dst_change_keeps_local_and_utc_right(client, make_event, host):
    # 2031-03-30: Europe/Rome goes from UTC+1 to UTC+2.
    event = make_event(start_date=date(2031, 3, 27), end_date=date(2031, 3, 27))
    assert event.starts_at == datetime(2031, 3, 27, 18, 0, tzinfo=UTC)
    services.update_event(host, event, event_input(start_date=date(2031, 4, 3), end_date=date(2031, 4, 3)))
    db.session.refresh(event)
    assert event.starts_at == datetime(2031, 4, 3, 17, 0, tzinfo=UTC)  # 19:00 CEST
    assert event.local_start.replace(tzinfo=None) == datetime(2031, 4, 3, 19, 0)
    assert event.local_end.replace(tzinfo=None) == datetime(2031, 4, 3, 21, 0)
    cal = parse(client.get(f"/events/{event.id}.ics"))
    item = cal.walk("VEVENT")[0]
    assert item["DTSTART"].to_ical() == b"20310403T190000" and item["DTSTART"].params["TZID"] == "Europe/Rome"
    assert item["DTSTART"].dt.astimezone(UTC) == datetime(2031, 4, 3, 17, 0, tzinfo=UTC)
    # The VTIMEZONE describes the change, so any client computes the same instant.
    tz = cal.walk("VTIMEZONE")[0]
    offsets = {str(c.name): c["TZOFFSETTO"].td.total_seconds() / 3600 for c in tz.walk()
               if c.name in ("STANDARD", "DAYLIGHT")}
    assert offsets == {"STANDARD": 1.0, "DAYLIGHT": 2.0}
    assert tz.to_tz().utcoffset(datetime(2031, 4, 3, 19)).total_seconds() == 7200
    assert int(item["SEQUENCE"]) == 1


def test_event_across_the_dst_night_lasts_the_real_hours(make_event):
    # 22:00 on 2031-10-25 to 04:00 on the 26th in Rome: the clocks go back at 03:00, so six
    # hours on the wall clock are seven real ones.
    event = make_event(start_date=date(2031, 10, 25), start_time=time(22), end_date=date(2031, 10, 26),
                       end_time=time(4))
    assert (event.ends_at - event.starts_at).total_seconds() == 7 * 3600
    assert event.local_end.replace(tzinfo=None) == datetime(2031, 10, 26, 4, 0)


def test_all_day_events_are_dates(client, make_event):
    event = make_event(all_day=True, start_date=date(2031, 6, 1), end_date=date(2031, 6, 2), start_time=None,
                       end_time=None)
    item = parse(client.get(f"/events/{event.id}.ics")).walk("VEVENT")[0]
    assert item["DTSTART"].dt == date(2031, 6, 1) and item["DTEND"].dt == date(2031, 6, 3)
    assert "TZID" not in item["DTSTART"].params


def test_public_feed_keeps_cancelled_events_and_hides_restricted_ones(client, make_event, host):
    kept = make_event(title="Cancelled meetup")
    services.cancel_event(host, kept)
    public = make_event(title="Public meetup")
    lounge = make_category("Members lounge", read_access="members")
    private = make_event(title="Members meetup", visibility="members", category_id=lounge.id)
    items = vevents(parse(client.get("/calendar.ics")))
    assert str(items[kept.uid]["STATUS"]) == "CANCELLED"
    assert public.uid in items and private.uid not in items
    assert parse(client.get("/calendar.ics")).to_ical() == client.get("/calendar.ics").get_data()


def test_category_feed(client, make_event, host):
    lounge = make_category("Meetups north", slug="north")
    north = make_event(title="Northern meetup", category_id=lounge.id)
    other = make_event(title="Southern meetup")
    items = vevents(parse(client.get("/events/c/north.ics")))
    assert north.uid in items and other.uid not in items
    assert client.get("/events/c/nope.ics").status_code == 404


def test_personal_feed_behind_a_revocable_secret(client, make_event, members, host):
    member = members[0]
    going = make_event(title="I am going")
    maybe = make_event(title="Only interested")
    services.rsvp(member, going, "going")
    services.rsvp(member, maybe, "interested")
    client.login(member.username)
    assert "no calendar address yet" in client.get("/events/calendar").get_data(as_text=True)
    client.post_form("/events/calendar", {"action": "regenerate"})
    token = services.feed_token(member)
    assert token and token.startswith(f"{member.id}-")
    page = client.get("/events/calendar").get_data(as_text=True)
    assert f"/events/feed/{token}.ics" in page
    client.post_form("/logout")

    response = client.get(f"/events/feed/{token}.ics")
    assert response.headers["Cache-Control"] == "private, no-store"
    items = vevents(parse(response))
    assert set(items) == {going.uid}
    assert "https://meet.example.com/abc" in str(items[going.uid]["DESCRIPTION"])  # going: gets the link
    # Cancelled events stay in the personal feed too.
    services.cancel_event(host, going)
    assert str(vevents(parse(client.get(f"/events/feed/{token}.ics")))[going.uid]["STATUS"]) == "CANCELLED"

    assert client.get(f"/events/feed/{member.id}-{'0' * 40}.ics").status_code == 404
    assert client.get(f"/events/feed/{members[1].id}-{token.split('-')[1]}.ics").status_code == 404
    client.login(member.username)
    client.post_form("/events/calendar", {"action": "regenerate"})
    new_token = services.feed_token(member)
    assert new_token != token
    assert client.get(f"/events/feed/{token}.ics").status_code == 404
    assert client.get(f"/events/feed/{new_token}.ics").status_code == 200
    client.post_form("/events/calendar", {"action": "revoke"})
    assert services.feed_token(member) is None
    assert client.get(f"/events/feed/{new_token}.ics").status_code == 404


@pytest.mark.parametrize("token", ["99999999999999999999999-" + "0" * 40, "\u00b2-" + "0" * 40, "1-", "x-y"])
def test_a_crafted_feed_token_is_not_found(client, token):
    # A user id out of any row's range, or digits that are not ASCII, must not reach the database.
    assert client.get(f"/events/feed/{token}.ics").status_code == 404


def test_google_calendar_link_is_url_encoded(make_event):
    event = make_event(title="Pizza & code: #1?", start_date=date(2031, 7, 1), end_date=date(2031, 7, 1))
    url = ics.google_calendar_url(event, "https://forum.test/events/1/x")
    parts = urlsplit(url)
    assert parts.scheme == "https" and parts.netloc == "calendar.google.com"
    assert "&code" not in parts.query and "#" not in url and " " not in url
    query = parse_qs(parts.query)
    assert query["text"] == ["Pizza & code: #1?"]
    assert query["dates"] == ["20310701T170000Z/20310701T190000Z"]
    assert query["ctz"] == ["Europe/Rome"] and query["action"] == ["TEMPLATE"]


@pytest.mark.parametrize("path", ["/calendar.ics", "/events/c/events.ics"])
def test_empty_feeds_are_valid(client, path):
    services.ensure_events_category()
    cal = parse(client.get(path))
    assert cal.walk("VEVENT") == []
