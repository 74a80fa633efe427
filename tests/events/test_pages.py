"""Listing pages, the month calendar, the event page's times, admin settings."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import g

from forum.accounts.models import AnonymousUser
from forum.db_types import utcnow
from forum.events import services
from forum.extensions import db
from forum.settings import get_setting
from tests.factories import future_day, make_category, make_user


def test_upcoming_and_past(client, make_event, host):
    soon = make_event(title="Soon meetup")
    old = make_event(title="Old meetup")
    old.starts_at, old.ends_at = utcnow() - timedelta(days=3, hours=2), utcnow() - timedelta(days=3)
    db.session.commit()
    cancelled = make_event(title="Called off meetup")
    services.cancel_event(host, cancelled)
    upcoming = client.get("/events").get_data(as_text=True).split('class="month-grid"')[0]  # the list
    assert "Soon meetup" in upcoming and "Old meetup" not in upcoming
    assert "Called off meetup" in upcoming and "Cancelled" in upcoming
    past = client.get("/events/past").get_data(as_text=True)
    assert "Old meetup" in past and "Soon meetup" not in past
    assert soon.id and client.get("/events?month=garbage").status_code == 200


def test_month_grid_places_events_on_the_viewers_days(make_event):
    # 23:30 in Rome on 2031-05-10 is already the 11th in Tokyo.
    late = make_event(title="Late meetup", start_date=date(2031, 5, 10), end_date=date(2031, 5, 11),
                      start_time=time(23, 30), end_time=time(0, 30))
    long = make_event(title="Three days", all_day=True, start_date=date(2031, 5, 30), end_date=date(2031, 6, 1),
                      start_time=None, end_time=None)
    grid = services.month_grid(AnonymousUser(), 2031, 5, ZoneInfo("Asia/Tokyo"))
    days = {d.day: [e.title for e in d.events] for week in grid.weeks for d in week}
    assert "Late meetup" in days[date(2031, 5, 11)] and "Late meetup" not in days[date(2031, 5, 10)]
    # All-day events stay on their own dates whatever the viewer's zone.
    assert all("Three days" in days[date(2031, 5, d)] for d in (30, 31))
    assert "Three days" in days[date(2031, 6, 1)]  # the grid's trailing days show June 1st
    assert grid.weeks[0][0].day.weekday() == 0 and all(len(w) == 7 for w in grid.weeks)
    assert grid.previous == (2031, 4) and grid.next == (2031, 6)
    rome = services.month_grid(AnonymousUser(), 2031, 5, ZoneInfo("Europe/Rome"))
    rome_days = {d.day: [e.title for e in d.events] for week in rome.weeks for d in week}
    assert "Late meetup" in rome_days[date(2031, 5, 10)] and "Late meetup" in rome_days[date(2031, 5, 11)]
    assert late.id and long.id


def test_month_page_renders_the_grid(client, make_event):
    make_event(title="May meetup", start_date=date(2031, 5, 14), end_date=date(2031, 5, 14))
    html = client.get("/events?month=2031-05").get_data(as_text=True)
    assert "May 2031" in html and 'class="month-grid"' in html
    assert html.count('title="May meetup"') == 1
    assert 'href="/events?month=2031-04"' in html and 'href="/events?month=2031-06"' in html


def test_event_page_shows_event_zone_and_viewer_zone(client, make_event):
    event = make_event(start_date=date(2031, 3, 20), end_date=date(2031, 3, 20))  # Rome UTC+1, London UTC+0
    client.set_cookie("tz", "Europe/London", domain="forum.test")
    html = client.get(f"/events/{event.id}/{event.slug}").get_data(as_text=True)
    assert "7:00\u202fPM–9:00\u202fPM</strong> <span class=\"tz\">Europe/Rome</span>" in html.replace(" PM", "\u202fPM")
    assert "6:00\u202fPM–8:00\u202fPM your time" in html.replace(" PM", "\u202fPM")
    assert "(Europe/London)" in html
    client.set_cookie("tz", "Europe/Rome", domain="forum.test")
    same = client.get(f"/events/{event.id}/{event.slug}").get_data(as_text=True)
    assert "your time" not in same


def test_event_page_in_italian(client, make_event):
    event = make_event(start_date=date(2031, 3, 20), end_date=date(2031, 3, 20))
    client.set_cookie("locale", "it", domain="forum.test")
    client.set_cookie("tz", "Europe/London", domain="forum.test")
    html = client.get(f"/events/{event.id}/{event.slug}").get_data(as_text=True)
    assert "19:00–21:00" in html and "18:00–20:00" in html


def test_event_page_query_count_does_not_grow_with_attendees(client, make_event, count_queries, members):
    event = make_event(attendee_visibility="public", cohosts="member5, member6")
    services.rsvp(members[0], event, "going")
    url = f"/events/{event.id}/{event.slug}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for m in members[1:4]:
        services.rsvp(m, event, "going")
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count


def test_admin_settings_page(client, app):
    admin = make_user("root", role="admin")
    lounge = make_category("Meetups")
    client.login(admin.username)
    assert client.get("/admin/events").status_code == 200
    response = client.post_form("/admin/events", {"category_id": lounge.id, "creators": "members",
                                                  "reminder_hours": "6"})
    assert response.status_code == 302
    db.session.expire_all()
    g.pop("forum_settings", None)
    assert get_setting("events_category_id") == lounge.id
    assert get_setting("events_creators") == "members" and get_setting("events_reminder_hours") == 6
    assert "/admin/events" in client.get("/admin/").get_data(as_text=True)
    client.post_form("/logout")
    client.login(make_user("nosy").username)
    assert client.get("/admin/events").status_code == 403


def test_nav_has_an_events_link(client):
    assert 'href="/events"' in client.get("/").get_data(as_text=True)


def test_upcoming_and_past_lists_walk_every_event_once_with_cursors(client, make_event, app):
    created = [make_event(title=f"Meetup number {i}", start_date=future_day(2 + i % 5),
                          end_date=future_day(2 + i % 5)) for i in range(7)]
    seen: list[int] = []
    cursor = None
    while True:
        page, cursor = services.list_upcoming(AnonymousUser(), after=cursor, limit=3)
        seen += [e.id for e in page]
        if cursor is None:
            break
    assert sorted(seen) == sorted(e.id for e in created) and len(seen) == len(set(seen))
    # Seen from the future, they are all past: newest first, same walk backwards.
    later = utcnow() + timedelta(days=30)
    past_seen: list[int] = []
    cursor = None
    while True:
        page, cursor = services.list_past(AnonymousUser(), before=cursor, per_page=3, now=later)
        past_seen += [e.id for e in page]
        if cursor is None:
            break
    assert past_seen == list(reversed(seen))
    assert client.get("/events/past?before=1_2").status_code == 200  # a well-formed position


@pytest.mark.parametrize("url", ["/events?after=999999999999999999_1", "/events?after=garbage",
                                 "/events/past?before=garbage", "/events/past?before=1_99999999999999999999"])
def test_a_crafted_cursor_is_a_bad_request_not_a_crash(client, make_event, url):
    make_event()
    response = client.get(url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Bad request" in html and "This page link is not valid" in html  # the error page, with why
