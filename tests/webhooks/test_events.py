"""Every event an endpoint may choose is delivered once per subscribed endpoint, never to the
others; held content waits for its approval."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from forum.accounts import services as accounts
from forum.accounts.code_of_conduct import current_coc_version
from forum.audit.models import AuditLog
from forum.discussions import services as discussions
from forum.discussions.models import ReadAccess
from forum.escalations import services as escalations
from forum.events import services as events
from forum.events.models import EventState
from forum.extensions import db
from forum.moderation import services as moderation
from forum.moderation.models import ReviewItem, ReviewKind, ReviewStatus
from forum.plugins import manager
from forum.settings import set_setting
from forum.staff import services as staff
from forum.webhooks import services
from forum.webhooks.events import EVENTS
from forum.webhooks.models import WebhookDelivery, WebhookEndpoint
from forum.webhooks.services import EndpointInput
from tests.factories import (
    event_input,
    hold_new_members,
    make_category,
    make_reply,
    make_staff,
    make_topic,
    make_user,
    opening_post,
    support_category,
)

from .conftest import add_endpoint


def _registered(app: Flask) -> None:
    accounts.register(accounts.Registration(username="newcomer", email="newcomer@example.com",
                                            password="correct horse battery", display_name="Newcomer",
                                            accepted_coc_version=current_coc_version()))


def _approved(app: Flask) -> None:
    user = make_user("applicant")
    user.approved_at = None
    item = moderation.queue_application(user, {"Why?": "I own a kettle"})
    db.session.commit()
    moderation.approve_item(make_user("mona", role="moderator"), item)


def _solved(app: Flask) -> None:
    asker = make_user("asker")
    topic = make_topic(asker, support_category())
    staff.mark_solution(asker, make_reply(topic))


def _rsvp(app: Flask) -> None:
    # A list of who is going that visitors may read: who answered is then public too.
    event = events.create_event(make_user("host", role="moderator"), event_input(attendee_visibility="public"))
    events.rsvp(make_user("guest"), event, "going")


TRIGGERS: dict[str, Callable[[Flask], Any]] = {
    "topic_created": lambda app: make_topic(),
    "post_created": lambda app: make_reply(make_topic()),
    "post_edited": lambda app: discussions.edit_post(
        (post := make_reply(make_topic())).author, post, "A reply with other words."),
    "post_hidden": lambda app: moderation.hide_post(make_user("mod", role="moderator"), make_reply(make_topic()),
                                                    "Spam"),
    "post_flagged": lambda app: moderation.flag_post(make_user("flagger"), make_reply(make_topic()), "spam"),
    "question_solved": _solved,
    "official_reply_posted": lambda app: discussions.create_reply(make_staff("carla"), make_topic(),
                                                                  "Our official answer.", official=True),
    "member_registered": _registered,
    "member_approved": _approved,
    "event_created": lambda app: events.create_event(make_user("host", role="moderator"), event_input()),
    "rsvp_changed": _rsvp,
    "escalation_created": lambda app: escalations.escalate(make_staff("sam"), make_topic(), None,
                                                           "Refund request", "high"),
}


def test_every_event_has_a_trigger_here():
    assert set(TRIGGERS) == set(EVENTS)


def _count(endpoint: WebhookEndpoint, event: str) -> int:
    return len(list(db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event == event))))


@pytest.mark.parametrize("event", list(TRIGGERS))
def test_each_event_reaches_subscribed_endpoints_once(app, admin, event):
    everything = add_endpoint(admin, "https://all.example.com/hooks", list(EVENTS), allow_internal=False)
    others = add_endpoint(admin, "https://others.example.com/hooks", [e for e in EVENTS if e != event],
                          allow_internal=False)
    just_this = add_endpoint(admin, "https://one.example.com/hooks", [event], allow_internal=False)
    with app.test_request_context():
        TRIGGERS[event](app)
    assert _count(everything, event) == 1 and _count(just_this, event) == 1
    assert _count(others, event) == 0
    assert {d.event for d in db.session.scalars(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == just_this.id))} == {event}
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == just_this.id))
    payload = json.loads(delivery.body)
    assert payload["event"] == event and payload["data"]
    body = delivery.body
    assert "password" not in body and "pbkdf2" not in body and "scrypt" not in body
    if event not in ("member_registered", "member_approved"):
        assert "@example.com" not in body  # e-mail addresses only in member events


def test_member_events_carry_the_email_and_never_the_password_hash(app, admin):
    endpoint = add_endpoint(admin, "https://crm.example.com/hooks", ["member_registered"], allow_internal=False)
    with app.test_request_context():
        _registered(app)
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    data = json.loads(delivery.body)["data"]
    assert data["email"] == "newcomer@example.com" and data["user"]["username"] == "newcomer"
    assert "password_hash" not in delivery.body


def test_a_held_topic_is_announced_when_approved(app, admin):
    endpoint = add_endpoint(admin, "https://one.example.com/hooks", ["topic_created"], allow_internal=False)
    hold_new_members(1)
    with app.test_request_context():
        topic = make_topic(make_user("newbie"))
    assert topic.state == "pending" and _count(endpoint, "topic_created") == 0
    item = moderation.open_item_for_post(opening_post(topic).id)
    with app.test_request_context():
        moderation.approve_item(make_user("mona", role="moderator"), item)
    assert _count(endpoint, "topic_created") == 1


def _add(admin, name: str, events: list[str], *, include_private: bool) -> WebhookEndpoint:
    return services.create_endpoint(admin, EndpointInput(
        url=f"https://{name}.example.com/hooks", description="", events=events, active=True, allow_internal=False,
        include_private=include_private))


@pytest.mark.parametrize("access", [ReadAccess.MEMBERS, ReadAccess.STAFF])
def test_content_a_visitor_cannot_read_reaches_only_endpoints_allowed_it(app, admin, access):
    default = _add(admin, "helpdesk", ["topic_created", "post_created", "escalation_created"], include_private=False)
    trusted = _add(admin, "internal", ["topic_created", "post_created", "escalation_created"], include_private=True)
    closed = make_category(read_access=access)
    with app.test_request_context():
        topic = make_topic(make_staff("carla"), closed, body="The staff-only secret plan.")
        make_reply(topic, make_staff("sara"))
        escalations.escalate(make_staff("sam"), topic, None, "Refund request", "high")
        make_topic()  # a public one: both hear of it
    assert _count(default, "topic_created") == 1 and _count(default, "post_created") == 0
    assert _count(default, "escalation_created") == 0
    assert "secret plan" not in "".join(db.session.scalars(select(WebhookDelivery.body).where(
        WebhookDelivery.endpoint_id == default.id)))
    assert _count(trusted, "topic_created") == 2 and _count(trusted, "post_created") == 1
    assert _count(trusted, "escalation_created") == 1


def test_a_staff_only_meetup_reaches_only_endpoints_allowed_it(app, admin):
    default = _add(admin, "helpdesk", ["event_created"], include_private=False)
    trusted = _add(admin, "internal", ["event_created"], include_private=True)
    with app.test_request_context():
        events.create_event(make_user("host", role="moderator"), event_input(
            visibility="staff", category_id=make_category(read_access=ReadAccess.STAFF).id))
    assert _count(default, "event_created") == 0 and _count(trusted, "event_created") == 1


def test_the_admin_ticks_private_content_on_the_form_and_it_is_audited(app, admin, client):
    client.login("ada")
    response = client.post_form("/admin/webhooks/new", data={
        "url": "https://internal.example.com/hooks", "events": ["topic_created"], "active": "y",
        "include_private": "y"})
    assert response.status_code == 302
    endpoint = db.session.scalar(select(WebhookEndpoint))
    assert endpoint.include_private
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "webhook.create"))
    assert audit.after["include_private"] is True
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "Include members-only and staff-only content" in page


@pytest.mark.parametrize("event", list(TRIGGERS))
def test_each_event_is_written_with_the_write_not_by_an_after_commit_hook(app, admin, event, monkeypatch):
    """Deliveries are staged in the writer's transaction (forum.outbox): with every after-commit
    hook gone — a process that died right after the commit — the delivery is there all the same."""
    endpoint = add_endpoint(admin, "https://all.example.com/hooks", list(EVENTS), allow_internal=False)
    monkeypatch.setattr(manager, "plugin_manager", _NoHooks)
    with app.test_request_context():
        TRIGGERS[event](app)
    assert _count(endpoint, event) == 1


class _NoHooks:
    """A plugin manager whose every hook has no implementation: fire() calls nothing."""

    class hook:  # noqa: N801 (pluggy's attribute name)
        def __getattr__(self, name: str) -> Any:
            return _NoImplementations()

    hook = hook()  # type: ignore[assignment,misc]


class _NoImplementations:
    def get_hookimpls(self) -> list[Any]:
        return []


def _meetup_endpoint(admin):
    return services.create_endpoint(admin, EndpointInput(
        url="https://one.example.com/hooks", description="", events=["topic_created", "event_created"],
        active=True, allow_internal=False))


def _held_meetup(app):
    set_setting("events_creators", "members")
    set_setting("first_posts_need_approval", 1)
    db.session.commit()
    with app.test_request_context():
        event = events.create_event(make_user("nuova"), event_input(title="Supper club",
                                                                    description="Dinner together, all welcome"))
    assert event.state == EventState.PENDING and event.topic_id is None
    return event


def _data_of(event_name):
    return [json.loads(b)["data"] for b in db.session.scalars(
        select(WebhookDelivery.body).where(WebhookDelivery.event == event_name))]


@pytest.mark.parametrize("how", ["event_page", "queue", "bulk"])
def test_approving_a_held_meetup_announces_it_and_its_topic_once(app, how):
    """Each way a moderator publishes a held meetup: one event_created, one topic_created."""
    admin = make_user("ada", role="admin")
    _meetup_endpoint(admin)
    event = _held_meetup(app)
    mod = make_user("mona", role="moderator")
    with app.test_request_context():
        if how == "event_page":
            events.approve_event(mod, event)
        else:
            item = db.session.scalar(select(ReviewItem).where(ReviewItem.kind == ReviewKind.EVENT,
                                                              ReviewItem.subject_id == event.id,
                                                              ReviewItem.status == ReviewStatus.OPEN))
            if how == "queue":
                moderation.approve_item(mod, item)
            else:
                moderation.bulk_review(mod, [item.id], "approve")
    assert event.state == EventState.SCHEDULED and event.topic_id is not None
    assert len(_data_of("event_created")) == 1
    topics = _data_of("topic_created")
    assert [t["topic"]["id"] for t in topics] == [event.topic_id]
