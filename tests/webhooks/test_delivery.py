"""Deliveries to a real local receiver through the job queue: signature, payload, retries with
backoff, timeouts, the delivery log, redelivery, automatic disabling and the admins' notice."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum import jobs
from forum.api import representations
from forum.audit.models import AuditLog
from forum.db_types import utcnow
from forum.extensions import db
from forum.jobs import Job, JobState
from forum.notifications.models import Notification
from forum.webhooks import services
from forum.webhooks.models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from forum.webhooks.naming import endpoint_label
from forum.webhooks.signing import verify
from tests.factories import make_reply, make_topic, make_user

from .conftest import add_endpoint, run_deliveries
from .receiver import verify_circolo


def _deliveries(endpoint: WebhookEndpoint) -> list[WebhookDelivery]:
    return list(db.session.scalars(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                                   .order_by(WebhookDelivery.id)))


def test_a_new_topic_reaches_the_receiver_signed_with_the_apis_representation(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    topic = make_topic(title="The kettle leaks")
    assert run_deliveries() == 1
    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers = {k.lower(): v for k, v in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["circolo-event"] == "topic_created"
    delivery = _deliveries(endpoint)[0]
    assert headers["circolo-delivery"] == delivery.uid
    # The README's receiver and the forum's own check both accept it; a changed byte, another
    # secret or an old timestamp do not.
    assert verify_circolo(endpoint.secret, request.body, headers["circolo-signature"])
    assert verify(endpoint.secret, request.body, headers["circolo-signature"])
    assert not verify_circolo(endpoint.secret, request.body + b" ", headers["circolo-signature"])
    assert not verify_circolo("whsec_other", request.body, headers["circolo-signature"])
    payload = json.loads(request.body)
    assert set(payload) == {"id", "event", "created_at", "data"}
    assert payload["event"] == "topic_created" and payload["id"] == delivery.event_id
    assert payload["created_at"].endswith("Z")
    db.session.expire_all()
    assert payload["data"]["topic"] == json.loads(json.dumps(representations.topic_json(topic)))
    assert payload["data"]["post"]["post_number"] == 1 and payload["data"]["post"]["raw"] is None
    assert endpoint.secret not in request.body.decode()
    db.session.refresh(delivery)
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.status_code == 200
    assert delivery.attempt_rows[0].response_body == "ok" and delivery.attempt_rows[0].response_ms is not None


def test_unsubscribed_and_inactive_endpoints_get_nothing(app, admin, receiver):
    add_endpoint(admin, receiver.url("/replies"), ["post_created"])
    add_endpoint(admin, receiver.url("/off"), ["topic_created"], active=False)
    make_topic()
    run_deliveries()
    assert receiver.requests == []


def test_500s_are_retried_with_growing_delays_and_every_attempt_is_logged(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    receiver.script = [(500, b"database down " * 1000), (503, b"still down")]
    make_topic()
    job = db.session.scalar(select(Job).where(Job.name == services.JOB))
    before = utcnow()
    assert jobs.run(job.id) == JobState.QUEUED
    db.session.refresh(job)
    assert timedelta(seconds=25) < job.run_at - before < timedelta(seconds=35)  # 30 s
    job.run_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    before = utcnow()
    assert jobs.run(job.id) == JobState.QUEUED
    db.session.refresh(job)
    assert timedelta(seconds=110) < job.run_at - before < timedelta(seconds=130)  # 30 s × 4
    run_deliveries()
    delivery = _deliveries(endpoint)[0]
    db.session.refresh(delivery)
    assert delivery.state == DeliveryState.SUCCEEDED and delivery.attempts == 3
    assert [a.status_code for a in delivery.attempt_rows] == [500, 503, 200]
    first = delivery.attempt_rows[0].response_body
    assert len(first.encode()) <= services.delivery.RESPONSE_KEEP + 4 and first.endswith("…")
    assert len(receiver.requests) == 3
    assert len({r.headers["Circolo-Delivery"] for r in receiver.requests}) == 1  # the same delivery
    assert len({r.body for r in receiver.requests}) == 1
    db.session.refresh(endpoint)
    assert endpoint.consecutive_failures == 0 and endpoint.last_status == DeliveryState.SUCCEEDED


def test_a_receiver_that_does_not_answer_in_time_is_a_timeout(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url("/slow"), ["topic_created"])
    make_topic()
    job = db.session.scalar(select(Job).where(Job.name == services.JOB))
    assert jobs.run(job.id) == JobState.QUEUED
    attempt = db.session.scalar(select(WebhookAttempt))
    assert attempt.status_code is None and attempt.error.startswith("timeout")
    assert _deliveries(endpoint)[0].state == DeliveryState.PENDING


def test_after_every_attempt_failed_the_delivery_is_failed_and_counted(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    receiver.script = [(500, b"no")] * services.MAX_ATTEMPTS
    make_topic()
    run_deliveries()
    delivery = _deliveries(endpoint)[0]
    assert delivery.state == DeliveryState.FAILED and delivery.attempts == services.MAX_ATTEMPTS
    assert len(receiver.requests) == services.MAX_ATTEMPTS
    db.session.refresh(endpoint)
    assert endpoint.consecutive_failures == 1 and endpoint.active
    # The job itself is done, not failed: the webhook log, not Admin → Jobs, tells the story.
    assert db.session.scalar(select(Job.state).where(Job.name == services.JOB)) == JobState.DONE


@pytest.mark.parametrize("app_config", [{"WEBHOOKS_TIMEOUT": 0.5, "WEBHOOKS_DEADLINE": 1.0,
                                         "WEBHOOKS_DISABLE_AFTER": 2}])
def test_repeated_failures_turn_the_endpoint_off_and_tell_the_admins(app, admin, receiver, client):
    other_admin = make_user("otto", role="admin")
    member = make_user("mia")
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    receiver.script = [(500, b"no")] * (2 * services.MAX_ATTEMPTS)
    make_topic()
    run_deliveries()
    db.session.refresh(endpoint)
    assert endpoint.active  # one failed delivery: not yet
    make_topic()
    run_deliveries()
    db.session.refresh(endpoint)
    assert not endpoint.active and endpoint.disabled_at is not None and endpoint.consecutive_failures == 2
    told = {n.user_id for n in db.session.scalars(select(Notification).where(Notification.kind == "webhook_disabled"))}
    assert told == {admin.id, other_admin.id} and member.id not in told
    notice = db.session.scalar(select(Notification).where(Notification.kind == "webhook_disabled"))
    assert notice.params["url"] == endpoint_label(endpoint.url)  # never the path: it may hold a token
    assert "/hooks" not in notice.params["url"] and f"127.0.0.1:{receiver.port}" in notice.params["url"]
    disabled = db.session.scalar(select(AuditLog).where(AuditLog.action == "webhook.auto_disable"))
    assert disabled.after["url"] == endpoint_label(endpoint.url)
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.target_type == "webhook",
                                                           AuditLog.action == "webhook.auto_disable"))
    # Nothing more is queued for it; the overview counts it until an admin turns it on again.
    make_topic()
    assert run_deliveries() == 0
    assert services.disabled_by_failures_count() == 1
    client.login("ada")
    assert "Webhooks turned off" in client.get("/admin/").get_data(as_text=True)
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "turned off after 2 failed deliveries" in page
    # The admin fixes the receiver and tests it while it is still off, then turns it on.
    before = len(receiver.requests)
    client.post_form(f"/admin/webhooks/{endpoint.id}/ping")
    assert len(receiver.requests) == before + 1 and receiver.requests[-1].headers["Circolo-Event"] == "ping"
    db.session.refresh(endpoint)
    assert not endpoint.active and endpoint.consecutive_failures == 2


def test_redelivery_sends_the_same_event_as_a_new_delivery(app, admin, receiver, client):
    endpoint = add_endpoint(admin, receiver.url(), ["post_created"])
    receiver.script = [(500, b"no")] * services.MAX_ATTEMPTS
    topic = make_topic()
    make_reply(topic)
    run_deliveries()
    failed = _deliveries(endpoint)[0]
    assert failed.state == DeliveryState.FAILED
    client.login("ada")
    response = client.post_form(f"/admin/webhooks/deliveries/{failed.id}/redeliver")
    assert response.status_code == 302
    run_deliveries()
    again = _deliveries(endpoint)[1]
    assert again.redelivery_of_id == failed.id and again.uid != failed.uid
    assert again.event_id == failed.event_id and again.body == failed.body
    assert again.state == DeliveryState.SUCCEEDED
    assert json.loads(receiver.requests[-1].body)["id"] == failed.event_id
    log = client.get(f"/admin/webhooks/{endpoint.id}/deliveries").get_data(as_text=True)
    assert "post_created" in log and ">Delivered<" in log and ">Not delivered<" in log
    detail = client.get(f"/admin/webhooks/deliveries/{failed.id}").get_data(as_text=True)
    assert failed.event_id in detail and "#6" in detail


def test_a_delivery_queued_before_the_endpoint_was_turned_off_is_skipped(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    make_topic()
    endpoint.active = False
    db.session.commit()
    run_deliveries()
    assert receiver.requests == [] and _deliveries(endpoint)[0].state == DeliveryState.SKIPPED


def test_the_log_forgets_finished_deliveries_after_the_keeping_period(app, admin, receiver):
    endpoint = add_endpoint(admin, receiver.url(), ["topic_created"])
    make_topic()
    make_topic()
    run_deliveries()
    old, recent = _deliveries(endpoint)
    old_id = old.id
    again = services.redeliver(admin, old.id)  # pending: kept whatever its age
    for delivery in (old, again):
        delivery.created_at = utcnow() - timedelta(days=31)
    db.session.commit()
    assert services.prune() == 1
    assert [d.id for d in _deliveries(endpoint)] == [recent.id, again.id]
    db.session.refresh(again)
    assert again.redelivery_of_id is None
    assert db.session.scalar(select(WebhookAttempt).where(WebhookAttempt.delivery_id == old_id)) is None
