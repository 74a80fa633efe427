"""Queueing and sending deliveries: the policy.

* **One row per endpoint and event.** :func:`stage_event`, called by the webhooks'
  :class:`~forum.interfaces.EventOutbox` inside the writer's transaction (forum.outbox),
  finds the active endpoints subscribed to the event, builds the payload once, and writes one
  :class:`WebhookDelivery` per endpoint and one ``webhooks.deliver`` job each. The body is
  frozen then: a redelivery sends the same JSON (same ``id``), signed again with a fresh
  timestamp.
* **Nothing lost.** The deliveries commit with the forum's own write or not at all: no
  process dying after the commit can lose them, and an error while staging them fails the
  write. From then on the job queue pushes them again after a crash (its sweeper), retries
  them, and the row records every attempt.
* **Retries.** An attempt that gets no 2xx answer in time is retried by the job queue with
  its growing delay (30 s × 4^(n-1), at most an hour: 30 s, 2 min, 8 min, 32 min, 1 h, so the
  last of :data:`MAX_ATTEMPTS` attempts comes about 1 h 43 min after the first). A URL that
  can never work (scheme, host, port) is not retried. Test pings are tried once, go out even
  while the endpoint is off (an admin tests a fix before turning it on), and never count below.
* **Automatic disabling.** Each delivery that failed after all its attempts counts one
  failure for its endpoint; a success resets the count. At ``WEBHOOKS_DISABLE_AFTER``
  (default 5) failures in a row the endpoint is turned off, the audit log says so, every admin
  is notified (in the app and by mail) and the admin overview counts it until an admin turns
  it on again. Deliveries queued for a disabled endpoint are ``skipped`` (they can be
  redelivered from the log).
* **A log, not an archive.** Finished deliveries older than ``WEBHOOKS_KEEP_DAYS`` (default
  30) are pruned daily with their attempts; deliveries still pending are kept.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, select, update

from forum import jobs
from forum.accounts.models import Role, User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound
from forum.extensions import db
from forum.notifications import notify
from forum.outbound import RemoteFetchRefused, address_is_public, public_or_internal
from forum.outbound import post as http_post
from forum.urls import bot_user_agent

from .. import notices
from ..events import PING
from ..models import DeliveryState, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from ..naming import endpoint_label
from ..signing import sign

log = logging.getLogger(__name__)

JOB = "webhooks.deliver"
PRUNE_JOB = "webhooks.prune"
MAX_ATTEMPTS = 6
BASE_DELAY = 30.0
RESPONSE_KEEP = 4096  # bytes of a receiver's answer kept in the log
PERMANENT_REFUSALS = frozenset({"url", "credentials", "scheme", "port", "host"})  # retrying cannot help


class DeliveryFailed(Exception):
    """An attempt failed and another will come (the job queue retries with its delay)."""


def _new_id(prefix: str) -> str:
    return prefix + uuid.uuid4().hex


def _body(event: str, event_id: str, data: dict[str, Any]) -> str:
    created = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return json.dumps({"id": event_id, "event": event, "created_at": created, "data": data},
                      ensure_ascii=False, separators=(",", ":"), default=str)


def _stage(endpoint: WebhookEndpoint, event: str, event_id: str, body: str,
           redelivery_of: int | None = None) -> WebhookDelivery:
    delivery = WebhookDelivery(uid=_new_id("dlv_"), endpoint_id=endpoint.id, event=event, event_id=event_id,
                               body=body, redelivery_of_id=redelivery_of)
    db.session.add(delivery)
    db.session.flush()
    jobs.enqueue(JOB, {"delivery_id": delivery.id}, dedupe_key=f"webhook:{delivery.uid}")
    return delivery


def subscribed_endpoints(event: str, *, public: bool = True) -> list[WebhookEndpoint]:
    """The active endpoints subscribed to ``event``; for an event a visitor could not read
    (``public`` false), only those an admin allowed members-only and staff-only content."""
    return [endpoint for endpoint in db.session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)).order_by(WebhookEndpoint.id))
        if endpoint.subscribes_to(event) and (public or endpoint.include_private)]


def stage_event(event: str, build: Callable[[], dict[str, Any]], *, public: bool = True) -> list[WebhookDelivery]:
    """One delivery per active endpoint subscribed to ``event`` (``build()``: the payload's
    ``data``, built only when someone listens), with their jobs, in the caller's transaction
    (not committed: the EventOutbox path commits them with the forum's own write). ``public``:
    whether a visitor could read what the event is about (the caller asks the domain's
    permissions)."""
    endpoints = subscribed_endpoints(event, public=public)
    if not endpoints:
        return []
    body = _body(event, _new_id("evt_"), build())
    event_id = json.loads(body)["id"]
    return [_stage(endpoint, event, event_id, body) for endpoint in endpoints]


def send_ping(actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    """A test delivery, whatever the endpoint subscribes to, even while it is off (tried once)."""
    event_id = _new_id("evt_")
    data = {"message": "Hello from Circolo: this endpoint receives webhooks.", "endpoint_id": endpoint.id,
            "events": list(endpoint.events or [])}
    delivery = _stage(endpoint, PING, event_id, _body(PING, event_id, data))
    record_action(actor, "webhook.ping", "webhook", endpoint.id)
    db.session.commit()
    return delivery


def redeliver(actor: User, delivery_id: int) -> WebhookDelivery:
    """Send a delivery's body again, as a new delivery of the same event (same payload ``id``)."""
    original = db.session.get(WebhookDelivery, delivery_id)
    if original is None:
        raise NotFound()
    again = _stage(original.endpoint, original.event, original.event_id, original.body, redelivery_of=original.id)
    record_action(actor, "webhook.redeliver", "webhook", original.endpoint_id, after={"delivery": original.uid})
    db.session.commit()
    return again


# --- sending (the job) -------------------------------------------------------------------------------

def _headers(endpoint: WebhookEndpoint, delivery: WebhookDelivery, body: bytes) -> dict[str, str]:
    previous = endpoint.previous_secret
    also = [previous] if previous and endpoint.previous_secret_until and endpoint.previous_secret_until > utcnow() \
        else []
    return {"Content-Type": "application/json", "Circolo-Event": delivery.event, "Circolo-Delivery": delivery.uid,
            "Circolo-Signature": sign(endpoint.secret, body, int(time.time()), also)}


def deliver(delivery_id: int) -> None:
    """The ``webhooks.deliver`` job: one attempt. Idempotent: a finished delivery is left alone."""
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.state != DeliveryState.PENDING:
        return
    endpoint = delivery.endpoint
    if not endpoint.active and delivery.event != PING:  # a ping tests a paused endpoint before it is on again
        delivery.state, delivery.finished_at = DeliveryState.SKIPPED, utcnow()
        db.session.commit()
        return
    delivery.attempts += 1
    attempt = WebhookAttempt(delivery_id=delivery.id, number=delivery.attempts, at=utcnow())
    body = delivery.body.encode()
    config = current_app.config
    permanent = False
    try:
        answer = http_post(
            endpoint.url, body, headers=_headers(endpoint, delivery, body), max_bytes=RESPONSE_KEEP,
            timeout=float(config["WEBHOOKS_TIMEOUT"]), deadline=float(config["WEBHOOKS_DEADLINE"]),
            user_agent=bot_user_agent("Circolo-Webhooks"),
            address_allowed=public_or_internal if endpoint.allow_internal else address_is_public)
        attempt.status_code, attempt.response_ms = answer.status, answer.elapsed_ms
        attempt.response_body = answer.body.decode("utf-8", "replace") + ("…" if answer.truncated else "")
    except RemoteFetchRefused as exc:
        attempt.error = f"{exc.code}: {exc.detail}"[:300]  # outbound names hosts, never paths
        # Admins read the code as a sentence in their language (refusals.py); the detail is here.
        log.warning("webhook delivery %s, attempt %d: %s: %s", delivery.uid, delivery.attempts, exc.code, exc.detail)
        permanent = exc.code in PERMANENT_REFUSALS
    db.session.add(attempt)
    delivery.status_code, delivery.response_ms = attempt.status_code, attempt.response_ms
    endpoint.last_delivery_at = attempt.at
    succeeded = attempt.status_code is not None and 200 <= attempt.status_code < 300
    if succeeded:
        _finish(delivery, DeliveryState.SUCCEEDED)
        if delivery.event != PING:  # pings never count, either way
            endpoint.consecutive_failures = 0
    elif permanent or delivery.attempts >= (1 if delivery.event == PING else MAX_ATTEMPTS):
        _finish(delivery, DeliveryState.FAILED)
        if delivery.event != PING:
            _count_failure(endpoint)
    else:
        endpoint.last_status = "retrying"
        db.session.commit()  # the attempt is on the record before the queue rolls back and retries
        raise DeliveryFailed(f"delivery {delivery.uid}: attempt {delivery.attempts} failed")
    db.session.commit()


def _finish(delivery: WebhookDelivery, state: DeliveryState) -> None:
    delivery.state, delivery.finished_at = state, utcnow()
    delivery.endpoint.last_status = state


def _count_failure(endpoint: WebhookEndpoint) -> None:
    db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id).values(
        consecutive_failures=WebhookEndpoint.consecutive_failures + 1))
    db.session.refresh(endpoint)
    limit = int(current_app.config["WEBHOOKS_DISABLE_AFTER"])
    if endpoint.consecutive_failures < limit or not endpoint.active:
        return
    now = utcnow()
    turned_off = db.session.execute(update(WebhookEndpoint).where(
        WebhookEndpoint.id == endpoint.id, WebhookEndpoint.active.is_(True)).values(active=False, disabled_at=now))
    if not turned_off.rowcount:  # type: ignore[attr-defined]
        return  # another worker turned it off at the same moment, and told the admins
    db.session.refresh(endpoint)
    record_action(None, "webhook.auto_disable", "webhook", endpoint.id,
                  after={"failures": endpoint.consecutive_failures, "url": endpoint_label(endpoint.url)})
    for admin in db.session.scalars(select(User).where(User.role == Role.ADMIN)):
        notify(admin, notices.WEBHOOK_DISABLED, {"url": endpoint_label(endpoint.url),
                                                 "failures": endpoint.consecutive_failures},
               url=notices.endpoint_path(endpoint.id), dedupe_key=f"webhook-disabled:{endpoint.id}:{now.isoformat()}")


# --- the delivery log ------------------------------------------------------------------------------

LOG_PAGE = 50


def delivery_log(endpoint: WebhookEndpoint, before: int | None = None) -> tuple[list[WebhookDelivery], int | None]:
    """The newest deliveries first (a page), and the id to continue before, if there are more."""
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    rows = list(db.session.scalars(query.order_by(WebhookDelivery.id.desc()).limit(LOG_PAGE + 1)))
    return rows[:LOG_PAGE], rows[LOG_PAGE - 1].id if len(rows) > LOG_PAGE else None


def get_delivery(delivery_id: int) -> WebhookDelivery:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        raise NotFound()
    return delivery


def prune(limit: int = 5000) -> int:
    """Forget finished deliveries older than ``WEBHOOKS_KEEP_DAYS`` (their attempts go with them)."""
    keep = int(current_app.config["WEBHOOKS_KEEP_DAYS"])
    cutoff = utcnow() - timedelta(days=keep)
    ids = list(db.session.scalars(select(WebhookDelivery.id).where(
        WebhookDelivery.state != DeliveryState.PENDING, WebhookDelivery.created_at < cutoff).limit(limit)))
    if ids:
        db.session.execute(update(WebhookDelivery).where(WebhookDelivery.redelivery_of_id.in_(ids))
                           .values(redelivery_of_id=None))
        db.session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
        db.session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    db.session.commit()
    return len(ids)
