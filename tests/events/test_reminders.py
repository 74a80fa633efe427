"""Reminders (idempotent, cron-friendly) and change/cancel notices."""

from __future__ import annotations

from datetime import time, timedelta

from forum import jobs
from forum.events import services
from forum.extensions import db
from forum.notifications.models import Notification
from forum.settings import set_setting
from tests.factories import event_input, make_user
from tests.notifications.helpers import texts


def kinds(user) -> list[str]:
    return list(db.session.scalars(db.select(Notification.kind).where(Notification.user_id == user.id)
                                   .order_by(Notification.id)))


def _answers(event, members):
    going, interested, waiting, declined = members[:4]
    services.rsvp(going, event, "going")
    services.rsvp(interested, event, "interested")
    services.rsvp(members[4], event, "going")  # fills the second seat
    services.rsvp(waiting, event, "going")  # waitlisted
    services.rsvp(declined, event, "not_going")
    return going, interested, waiting, declined


def test_reminders_reach_going_and_interested_once(make_event, members, outbox):
    event = make_event(capacity=2)
    going, interested, waiting, declined = _answers(event, members)
    soon = event.starts_at - timedelta(hours=3)
    too_early = event.starts_at - timedelta(hours=30)
    assert services.send_due_reminders(too_early) == 0  # outside the 24 h lead time
    jobs.run_pending()  # mail leaves through jobs queued with the notices
    outbox.clear()
    assert services.send_due_reminders(soon) == 3
    jobs.run_pending()
    assert kinds(going) == ["event_reminder"] and kinds(interested) == ["event_reminder"]
    assert kinds(members[4]) == ["event_reminder"]
    assert kinds(waiting) == [] and kinds(declined) == []
    assert sorted(m.to for m in outbox) == sorted([going.email, interested.email, members[4].email])
    assert "Reminder: Community meetup in Rome" in outbox[0].subject
    assert f"/events/{event.id}/" in outbox[0].body
    # Cron runs again (and again): nobody hears twice.
    assert services.send_due_reminders(soon) == 0
    assert services.send_due_reminders(soon + timedelta(minutes=5)) == 0
    jobs.run_pending()
    assert len(outbox) == 3
    assert services.send_due_reminders(event.starts_at + timedelta(minutes=1)) == 0  # started: too late


def test_lead_time_is_an_admin_setting(make_event, members):
    event = make_event()
    services.rsvp(members[0], event, "going")
    set_setting("events_reminder_hours", 2)
    db.session.commit()
    assert services.send_due_reminders(event.starts_at - timedelta(hours=3)) == 0
    assert services.send_due_reminders(event.starts_at - timedelta(hours=1)) == 1


def test_cli_command_is_idempotent(app, make_event, members):
    event = make_event()
    services.rsvp(members[0], event, "going")
    runner = app.test_cli_runner()
    when = (event.starts_at - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%S")
    result = runner.invoke(args=["forum", "send-reminders", "--now", when])
    assert result.exit_code == 0, result.output
    assert "Sent 1 reminder" in result.output
    result = runner.invoke(args=["forum", "send-reminders", "--now", when])
    assert "Sent 0 reminder" in result.output
    db.session.expire_all()
    assert kinds(members[0]) == ["event_reminder"]


def test_moved_event_is_reminded_again_at_its_new_time(make_event, members, host):
    event = make_event()
    services.rsvp(members[0], event, "going")
    services.send_due_reminders(event.starts_at - timedelta(hours=1))
    day = event.local_start.date()
    services.update_event(host, event, event_input(start_date=day, end_date=day, start_time=time(21),
                                                   end_time=time(23)))
    assert services.send_due_reminders(event.starts_at - timedelta(hours=1)) == 1
    assert kinds(members[0]) == ["event_reminder", "event_changed", "event_reminder"]


def test_time_or_place_change_notifies_attendees_once(make_event, members, host, outbox):
    event = make_event(capacity=2)
    going, interested, waiting, declined = _answers(event, members)
    day = event.local_start.date()
    jobs.run_pending()  # mail leaves through jobs queued with the notices
    outbox.clear()
    services.update_event(host, event, event_input(title="New title only", start_date=day, end_date=day,
                                                   capacity=2))
    assert kinds(going) == []  # a new title is not worth a notice
    services.update_event(host, event, event_input(title="New title only", start_date=day, end_date=day,
                                                   capacity=2, venue="Another bar"))
    for person in (going, interested, waiting):
        assert kinds(person) == ["event_changed"]
    assert kinds(declined) == [] and kinds(host) == []
    jobs.run_pending()
    assert len(outbox) == 4  # going, interested, waitlisted, and member5 who is going
    assert "Europe/Rome" in outbox[0].body


def test_cancellation_notifies_attendees(make_event, members, host):
    event = make_event(capacity=2)
    going, interested, waiting, declined = _answers(event, members)
    services.cancel_event(host, event)
    services.cancel_event(host, event)  # twice: still one notice
    for person in (going, interested, waiting):
        assert kinds(person) == ["event_cancelled"]
    assert kinds(declined) == []
    assert services.send_due_reminders(event.starts_at - timedelta(hours=1)) == 0


def test_notices_are_in_the_recipients_language(make_event, host):
    italian = make_user("giulia", locale="it")
    event = make_event()
    services.rsvp(italian, event, "going")
    services.cancel_event(host, event)
    [message] = texts(italian)
    assert "annullat" in message  # "... è annullato"
    assert "19:00" in message and "Europe/Rome" in message
