"""Escalate to support: staff only, seen by staff only, the webhook tells the helpdesk, the
ticket recorded through the service the API exposes, resolving."""

from __future__ import annotations

import json

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from forum import outbox
from forum.audit.models import AuditLog
from forum.errors import NotFound, PermissionDenied, ValidationFailed
from forum.escalations import record_ticket
from forum.escalations import services as escalations
from forum.escalations.forms import PRIORITY_LABELS
from forum.escalations.models import Escalation, EscalationStatus
from forum.extensions import db
from forum.webhooks.models import WebhookDelivery
from forum.webhooks.services import EndpointInput, create_endpoint
from tests.factories import hold_new_members, make_category, make_reply, make_staff, make_topic, make_user


@pytest.fixture
def world(app):
    member = make_user("mia")
    staff = make_staff("sam")
    moderator = make_user("mod", role="moderator")
    topic = make_topic(member, title="My kettle whistles all night")
    reply = make_reply(topic, make_user("rob"))
    return member, staff, moderator, topic, reply


def _topic_page(client, topic) -> str:
    return client.get(f"/t/{topic.slug}/{topic.id}").get_data(as_text=True)


def test_staff_escalate_a_post_and_the_helpdesk_is_told(app, client, world):
    _member, staff, _moderator, topic, reply = world
    admin = make_user("ada", role="admin")
    endpoint = create_endpoint(admin, EndpointInput(url="https://helpdesk.example.com/in", description="",
                                                    events=["escalation_created"], active=True,
                                                    allow_internal=False))
    client.login("sam")
    page = _topic_page(client, topic)
    assert "Escalate to support" in page and f"/t/{topic.id}/escalate?post={reply.id}" in page
    form = client.get(f"/t/{topic.id}/escalate?post={reply.id}")
    assert form.status_code == 200 and "Priority" in form.get_data(as_text=True)
    response = client.post_form(f"/t/{topic.id}/escalate?post={reply.id}",
                                {"reason": "Customer asks for a refund", "priority": "urgent"})
    assert response.status_code == 302
    escalation = db.session.scalar(select(Escalation))
    assert (escalation.topic_id, escalation.post_id, escalation.priority, escalation.status) == \
        (topic.id, reply.id, "urgent", EscalationStatus.OPEN)
    assert escalation.created_by_id == staff.id
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "escalation.create"))
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    payload = json.loads(delivery.body)
    assert payload["event"] == "escalation_created"
    assert payload["data"]["escalation"]["id"] == escalation.id
    assert payload["data"]["escalation"]["reason"] == "Customer asks for a refund"
    assert payload["data"]["topic"]["id"] == topic.id and payload["data"]["post"]["id"] == reply.id
    assert "Escalated" in _topic_page(client, topic)


def test_members_and_visitors_neither_see_nor_use_escalations(app, client, world):
    member, staff, _moderator, topic, reply = world
    escalations.escalate(staff, topic, reply, "Refund", "high")
    page = _topic_page(client, topic)
    assert "Escalat" not in page
    assert client.get(f"/t/{topic.id}/escalate").status_code == 302  # sign in first
    client.login("mia")
    page = _topic_page(client, topic)
    assert "Escalat" not in page and "topic-escalations" not in page
    assert client.get(f"/t/{topic.id}/escalate").status_code == 403
    assert client.post_form(f"/t/{topic.id}/escalate", {"reason": "x", "priority": "low"}).status_code == 403
    assert client.get("/escalations").status_code == 403
    assert db.session.scalar(select(Escalation).where(Escalation.reason == "x")) is None
    with pytest.raises(PermissionDenied):
        escalations.escalate(member, topic, None, "Please", "low")


def test_staff_cannot_escalate_what_they_cannot_read(app, client):
    staff = make_staff("sam")
    hold_new_members(1)
    topic = make_topic(make_user("newbie"))  # held for review: moderators and its author only
    assert topic.state == "pending"
    client.login("sam")
    assert client.get(f"/t/{topic.id}/escalate").status_code == 404
    with pytest.raises(PermissionDenied):
        escalations.escalate(staff, topic, None, "Look", "low")


def test_a_ticket_recorded_by_the_helpdesk_shows_on_the_topic_for_staff(app, client, world):
    _member, staff, _moderator, topic, _reply = world
    escalation = escalations.escalate(staff, topic, None, "Warranty claim", "normal")
    record_ticket(staff, escalation.id, "ABC-123", "https://helpdesk.example.com/tickets/123")
    client.login("mod")
    page = _topic_page(client, topic)
    assert "ABC-123" in page and 'href="https://helpdesk.example.com/tickets/123"' in page
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.action == "escalation.ticket"))
    # A reference without an address is shown as text; a bad address is refused.
    record_ticket(staff, escalation.id, "ABC-124")
    assert "ABC-124" in _topic_page(client, topic)
    with pytest.raises(ValidationFailed) as refused:
        record_ticket(staff, escalation.id, "ABC-125", "javascript:alert(1)")
    assert "url" in refused.value.errors
    with pytest.raises(ValidationFailed):
        record_ticket(staff, escalation.id, "   ")
    with pytest.raises(NotFound):
        record_ticket(staff, 999999, "ABC-1")
    with pytest.raises(PermissionDenied):
        record_ticket(make_user("nobody"), escalation.id, "ABC-1")


def test_one_open_escalation_per_post_and_resolving_it(app, client, world):
    _member, staff, _moderator, topic, reply = world
    escalation = escalations.escalate(staff, topic, reply, "Refund", "high")
    client.login("sam")
    again = client.post_form(f"/t/{topic.id}/escalate?post={reply.id}", {"reason": "Again", "priority": "low"})
    assert again.status_code == 400 and "already escalated" in again.get_data(as_text=True)
    assert "Again" in again.get_data(as_text=True)  # the text is kept
    assert escalations.escalate(staff, topic, None, "The whole topic", "low").id != escalation.id
    response = client.post_form(f"/escalations/{escalation.id}/resolve")
    assert response.status_code == 302
    db.session.refresh(escalation)
    assert escalation.status == EscalationStatus.RESOLVED and escalation.resolved_by_id == staff.id
    listing = client.get("/escalations?status=resolved").get_data(as_text=True)
    assert "Refund" in listing and "The whole topic" not in listing
    assert "The whole topic" in client.get("/escalations").get_data(as_text=True)


def test_the_form_says_what_is_missing(app, client, world):
    _member, _staff, _moderator, topic, _reply = world
    client.login("sam")
    response = client.post_form(f"/t/{topic.id}/escalate", {"reason": "", "priority": "urgent"})
    assert response.status_code == 400 and db.session.scalar(select(Escalation)) is None
    assert client.post_form(f"/t/{topic.id}/escalate?post=999999", {"reason": "x", "priority": "low"}
                            ).status_code == 404


def test_an_escalated_post_shows_its_state_instead_of_the_action(app, client, world):
    _member, staff, _moderator, topic, reply = world
    other = make_reply(topic, make_user("ola"))
    escalations.escalate(staff, topic, reply, "Refund", "normal")
    client.login("sam")
    page = _topic_page(client, topic)
    assert f"/t/{topic.id}/escalate?post={reply.id}" not in page  # the action is gone for this post
    assert f"/t/{topic.id}/escalate?post={other.id}" in page
    assert page.count("escalated-state") == 1 and "the escalated post" in page
    assert 'data-confirm="Mark this escalation resolved?' in page or "Mark this escalation resolved?" in page
    # The form, reached by an old link, says so before anything is written.
    form = client.get(f"/t/{topic.id}/escalate?post={reply.id}").get_data(as_text=True)
    assert 'id="already-escalated"' in form and 'id="escalation-form"' not in form
    assert "Back to the topic" in form
    fresh = client.get(f"/t/{topic.id}/escalate?post={other.id}").get_data(as_text=True)
    assert 'id="escalation-form"' in fresh and "Cancel" in fresh
    # The whole topic: its own escalation, told apart from its posts'.
    assert 'id="escalation-form"' in client.get(f"/t/{topic.id}/escalate").get_data(as_text=True)
    escalations.escalate(staff, topic, None, "The whole thread", "low")
    whole = client.get(f"/t/{topic.id}/escalate").get_data(as_text=True)
    assert "This topic is already escalated" in whole and 'id="escalation-form"' not in whole


def test_the_topic_page_reads_escalations_once_for_any_number_of_posts(app, client, count_queries):
    staff = make_staff("sam")
    topic = make_topic(title="Counting footers")
    first = make_reply(topic)
    escalations.escalate(staff, topic, first, "Look", "low")
    client.login("sam")
    url = f"/t/{topic.slug}/{topic.id}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for _ in range(5):
        escalations.escalate(staff, topic, make_reply(topic), "Look too", "high")
    client.get(url)
    with count_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert page.count("escalated-state") == 6
    assert many.count == few.count


def test_the_list_shows_only_what_the_viewer_may_see_through_one_service(app, world):
    _member, staff, _moderator, topic, _reply = world
    closed = make_topic(make_user("mod2", role="moderator"), make_category(read_access="staff"), title="Staff room")
    escalations.escalate(make_user("mod3", role="moderator"), closed, None, "Inside", "low")
    escalations.escalate(staff, topic, None, "Outside", "low")
    mine = {e.topic_id for e in escalations.recent_for(staff)}
    assert topic.id in mine
    assert escalations.recent_for(make_user("plain")) == []
    moderator_sees = {e.topic_id for e in escalations.recent_for(make_user("mod4", role="moderator"))}
    assert {topic.id, closed.id} <= moderator_sees


@pytest.mark.parametrize(("locale", "labels"), [("fr", ["Basse", "Normale", "Haute", "Urgente"]),
                                                ("it", ["Bassa", "Normale", "Alta", "Urgente"])])
def test_priorities_agree_with_priority_in_french_and_italian(app, locale, labels):
    with app.test_request_context(), force_locale(locale):
        assert [str(label) for label in PRIORITY_LABELS.values()] == labels


def test_the_helpdesk_webhook_is_committed_with_the_escalation(app, world, monkeypatch):
    """Written in the escalation's own transaction (EventOutbox), not by an after-commit hook:
    a process that dies right after the commit (the hooks never run) loses nothing."""
    _member, staff, _moderator, topic, reply = world
    admin = make_user("ada", role="admin")
    endpoint = create_endpoint(admin, EndpointInput(url="https://helpdesk.example.com/in", description="",
                                                    events=["escalation_created"], active=True,
                                                    allow_internal=False))

    def crash(*args, **kwargs):
        raise RuntimeError("the process died after the commit")

    monkeypatch.setattr(outbox, "fire", crash)
    with pytest.raises(RuntimeError):
        escalations.escalate(staff, topic, reply, "Refund", "high")
    db.session.rollback()
    escalation = db.session.scalar(select(Escalation))
    delivery = db.session.scalar(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    assert escalation is not None and delivery is not None
    assert json.loads(delivery.body)["data"]["escalation"]["id"] == escalation.id
