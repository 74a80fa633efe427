"""rsvp_changed: every move from the waitlist to a seat is announced, whoever caused it (a
member's answer, a host removing someone, a larger capacity); and who answers a meetup is
told only to endpoints allowed what a visitor could not read, unless visitors see the list."""
from __future__ import annotations

import json
from dataclasses import replace

from sqlalchemy import select

from forum.accounts.models import User
from forum.events import services as events
from forum.events.models import EventRsvp, RsvpStatus
from forum.extensions import db
from forum.webhooks import services
from forum.webhooks.models import WebhookDelivery
from forum.webhooks.services import EndpointInput
from tests.factories import event_input, make_user


def _endpoint(admin, include_private=False):
    return services.create_endpoint(admin, EndpointInput(
        url="https://crm.example.com/hooks", description="", events=["rsvp_changed"], active=True,
        allow_internal=False, include_private=include_private))


def _rsvps():
    return [json.loads(b)["data"] for b in db.session.scalars(
        select(WebhookDelivery.body).where(WebhookDelivery.event == "rsvp_changed").order_by(WebhookDelivery.id))]


def _uid(name):
    return db.session.scalar(select(User.id).where(User.username == name))


def _status(event, name):
    return db.session.scalar(select(EventRsvp.status).where(EventRsvp.event_id == event.id,
                                                            EventRsvp.user_id == _uid(name)))


def _full_event(app):
    host = make_user("host", role="moderator")
    with app.test_request_context():
        event = events.create_event(host, event_input(capacity=1))
        events.rsvp(make_user("anna"), event, "going")
        events.rsvp(make_user("bruno"), event, "going")  # waitlisted
    return host, event


def test_a_promotion_after_a_host_removes_someone_is_announced(app):
    _endpoint(make_user("ada", role="admin"), include_private=True)
    host, event = _full_event(app)
    assert len(_rsvps()) == 2
    with app.test_request_context():
        events.remove_attendee(host, event, _uid("anna"))
    assert _status(event, "bruno") == RsvpStatus.GOING  # promoted in the database
    announced = [(d["rsvp"]["user"]["username"], d["rsvp"]["status"]) for d in _rsvps()]
    assert ("bruno", RsvpStatus.GOING.value) in announced, announced


def test_a_promotion_after_the_capacity_grows_is_announced(app):
    _endpoint(make_user("ada", role="admin"), include_private=True)
    host, event = _full_event(app)
    with app.test_request_context():
        events.update_event(host, event, replace(event_input(capacity=2), start_date=event_input().start_date))
    assert _status(event, "bruno") == RsvpStatus.GOING  # promoted in the database
    announced = [(d["rsvp"]["user"]["username"], d["rsvp"]["status"]) for d in _rsvps()]
    assert ("bruno", RsvpStatus.GOING.value) in announced, announced


def test_who_answers_a_public_meetup_reaches_only_endpoints_allowed_private_content(app, client):
    _endpoint(make_user("ada", role="admin"), include_private=False)
    host = make_user("host", role="moderator")
    with app.test_request_context():
        event = events.create_event(host, event_input())  # attendee list: members (default)
        events.rsvp(make_user("carla_secret"), event, "interested")
    # A visitor cannot see who answers:
    page = client.get(f"/events/{event.id}/{event.slug}").get_data(as_text=True)
    assert "carla_secret" not in page.lower() and "Carla_Secret" not in page
    assert client.get(f"/api/v1/events/{event.id}/attendees").status_code == 401
    # ...so the endpoint that may hear only what a visitor could read is not told either:
    bodies = _rsvps()
    assert bodies == [], [d["rsvp"]["user"]["username"] for d in bodies]
