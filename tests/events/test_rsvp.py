"""RSVP rules: capacity, waitlist order, promotion, host tools, deadlines."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest

from forum import jobs
from forum.db_types import utcnow
from forum.errors import PermissionDenied, ValidationFailed
from forum.events import services
from forum.events.models import EventRsvp, RsvpStatus
from forum.extensions import db
from forum.notifications.models import Notification
from tests.factories import event_input, make_user


def status_of(event, user) -> str | None:
    return db.session.scalar(db.select(EventRsvp.status).where(EventRsvp.event_id == event.id,
                                                               EventRsvp.user_id == user.id))


def going_count(event) -> int:
    db.session.refresh(event)
    return event.going_count


def notifications(user, kind: str) -> list[Notification]:
    return list(db.session.scalars(db.select(Notification).where(Notification.user_id == user.id,
                                                                 Notification.kind == kind)))


def test_capacity_waitlist_and_promotion_in_order(make_event, members, outbox):
    event = make_event(capacity=2)
    m1, m2, m3, m4, m5 = members[:5]
    assert services.rsvp(m1, event, "going").status == "going"
    assert services.rsvp(m2, event, "going").status == "going"
    third = services.rsvp(m3, event, "going")
    assert third.status == "waitlisted" and third.waitlist_position == 1
    assert services.rsvp(m4, event, "going").waitlist_position == 2
    assert services.rsvp(m5, event, "going").waitlist_position == 3
    assert going_count(event) == 2
    # Asking again changes nothing and keeps the place in the queue.
    again = services.rsvp(m4, event, "going")
    assert not again.changed and again.waitlist_position == 2

    jobs.run_pending()  # mail leaves through jobs queued with the notices
    outbox.clear()
    services.rsvp(m1, event, "not_going")
    jobs.run_pending()
    assert status_of(event, m1) == "not_going"
    assert status_of(event, m3) == "going"  # the first in line
    assert status_of(event, m4) == "waitlisted" and status_of(event, m5) == "waitlisted"
    assert going_count(event) == 2
    assert len(notifications(m3, "event_promoted")) == 1
    assert not notifications(m4, "event_promoted")
    assert [m.to for m in outbox] == [m3.email]

    # Going -> interested frees the seat too; the next in line moves up.
    services.rsvp(m2, event, "interested")
    assert status_of(event, m4) == "going" and status_of(event, m5) == "waitlisted"
    assert services.waitlist_position(event, db.session.scalar(db.select(EventRsvp).where(
        EventRsvp.user_id == m5.id))) == 1


def test_leaving_the_waitlist_keeps_the_others_in_order(make_event, members):
    event = make_event(capacity=1)
    m1, m2, m3, m4 = members[:4]
    for m in (m1, m2, m3, m4):
        services.rsvp(m, event, "going")
    services.rsvp(m2, event, "not_going")  # was first in line
    services.rsvp(m1, event, "not_going")
    assert status_of(event, m3) == "going" and status_of(event, m4) == "waitlisted"
    # Re-joining puts you at the back of the line.
    services.rsvp(m2, event, "going")
    services.rsvp(m3, event, "not_going")
    assert status_of(event, m4) == "going" and status_of(event, m2) == "waitlisted"


def test_raising_capacity_promotes_in_order(make_event, members, host):
    event = make_event(capacity=1)
    for m in members[:5]:
        services.rsvp(m, event, "going")
    services.update_event(host, event, event_input(capacity=3))
    statuses = [status_of(event, m) for m in members[:5]]
    assert statuses == ["going", "going", "going", "waitlisted", "waitlisted"]
    assert going_count(event) == 3
    services.update_event(host, event, event_input(capacity=None))  # unlimited: everyone in
    assert [status_of(event, m) for m in members[:5]] == ["going"] * 5
    assert going_count(event) == 5


def test_capacity_cannot_drop_below_the_people_going(make_event, members, host):
    event = make_event(capacity=5)
    for m in members[:3]:
        services.rsvp(m, event, "going")
    with pytest.raises(ValidationFailed) as exc:
        services.update_event(host, event, event_input(capacity=2))
    assert "capacity" in exc.value.errors
    services.update_event(host, event, event_input(capacity=3))
    assert going_count(event) == 3 and event.capacity == 3 and event.is_full


def test_host_removes_an_attendee_and_the_next_one_moves_up(make_event, members, host):
    event = make_event(capacity=1)
    m1, m2 = members[:2]
    services.rsvp(m1, event, "going")
    services.rsvp(m2, event, "going")
    with pytest.raises(PermissionDenied):
        services.remove_attendee(m2, event, m1.id)
    services.remove_attendee(host, event, m1.id)
    assert status_of(event, m1) == "removed" and status_of(event, m2) == "going"
    assert notifications(m1, "event_removed")
    with pytest.raises(ValidationFailed):
        services.rsvp(m1, event, "going")
    assert status_of(event, m1) == "removed"


def test_deadline_and_closed_rsvps(make_event, members, host):
    day = (utcnow() + timedelta(days=5)).date()
    event = make_event(start_date=day, end_date=day)
    services.rsvp(members[0], event, "going")
    event.rsvp_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(ValidationFailed) as exc:
        services.rsvp(members[1], event, "going")
    assert "deadline" in exc.value.message
    with pytest.raises(ValidationFailed):
        services.rsvp(members[1], event, "interested")
    # Cancelling is always possible before the event.
    services.rsvp(members[0], event, "not_going")
    event.rsvp_deadline = None
    db.session.commit()
    services.set_rsvps_closed(host, event, True)
    with pytest.raises(ValidationFailed) as exc:
        services.rsvp(members[1], event, "going")
    assert "closed" in exc.value.message
    with pytest.raises(PermissionDenied):
        services.set_rsvps_closed(members[1], event, False)
    services.set_rsvps_closed(host, event, False)
    assert services.rsvp(members[1], event, "going").status == "going"


def test_deadline_set_through_the_form_is_in_the_event_zone(make_event):
    day = (utcnow() + timedelta(days=40)).date()
    event = make_event(start_date=day, end_date=day, rsvp_deadline=datetime.combine(day, time(12, 0)))
    local = event.rsvp_deadline.astimezone(event.zone)
    assert (local.date(), local.time()) == (day, time(12, 0))


def test_no_rsvp_to_cancelled_started_or_past_events(make_event, members, host):
    event = make_event()
    services.rsvp(members[0], event, "going")
    services.cancel_event(host, event)
    with pytest.raises(ValidationFailed):
        services.rsvp(members[1], event, "going")
    started = make_event(title="Started already")
    started.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    with pytest.raises(ValidationFailed):
        services.rsvp(members[1], started, "going")


def test_unverified_members_cannot_rsvp(make_event):
    event = make_event()
    newbie = make_user("newbie", verified=False)
    with pytest.raises(ValidationFailed):
        services.rsvp(newbie, event, "going")


def test_rsvp_through_the_page(client, make_event, members):
    event = make_event(capacity=1)
    url = f"/events/{event.id}/{event.slug}"
    client.login(members[0].username)
    assert client.post_form(f"/events/{event.id}/rsvp", {"status": "going"}).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert 'data-status="going"' in page and "Full" in page
    client.post_form("/logout")
    client.login(members[1].username)
    page = client.post_form(f"/events/{event.id}/rsvp", {"status": "going"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "waitlist" in html and 'data-status="waitlisted"' in html
    # No CSRF token, no RSVP.
    assert client.post(f"/events/{event.id}/rsvp", data={"status": "interested"}).status_code == 400


def test_check_in(make_event, members, host, client):
    event = make_event()
    services.rsvp(members[0], event, "going")
    with pytest.raises(PermissionDenied):
        services.set_checked_in(members[1], event, members[0].id, True)
    client.login(host.username)
    client.post_form(f"/events/{event.id}/attendees/{members[0].id}/check-in", {"checked": "1"})
    row = db.session.scalar(db.select(EventRsvp).where(EventRsvp.user_id == members[0].id))
    assert row.checked_in_at is not None
    assert "Checked in" in client.get(f"/events/{event.id}/attendees").get_data(as_text=True)
    client.post_form(f"/events/{event.id}/attendees/{members[0].id}/check-in", {"checked": "0"})
    db.session.refresh(row)
    assert row.checked_in_at is None


def test_statuses_are_the_documented_ones():
    assert {s.value for s in RsvpStatus} == {"going", "waitlisted", "interested", "not_going", "removed"}
