"""Admins' endpoints: add, change, rotate the secret, delete; what the admin pages list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.audit import record_action
from forum.errors import NotFound, ValidationFailed
from forum.extensions import db
from forum.outbound import RemoteFetchRefused, address_is_public, check_url, public_or_internal

from ..events import EVENTS
from ..models import DeliveryState, WebhookDelivery, WebhookEndpoint
from ..naming import endpoint_label
from ..signing import new_secret

MAX_ENDPOINTS = 50


@dataclass(frozen=True)
class EndpointInput:
    url: str
    description: str
    events: list[str]
    active: bool
    allow_internal: bool
    include_private: bool = False


def get_endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFound()
    return endpoint


def list_endpoints() -> list[WebhookEndpoint]:
    return list(db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


def disabled_by_failures_count() -> int:
    """Endpoints the automatic disabling turned off and nobody turned on again (admin overview)."""
    return int(db.session.scalar(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.active.is_(False), WebhookEndpoint.disabled_at.is_not(None))) or 0)


def _url_error(exc: RemoteFetchRefused) -> str:
    if exc.code == "scheme":
        return _("Only http:// and https:// addresses can receive webhooks.")
    if exc.code == "address":
        return _("This address is on an internal network. Tick “Allow an internal host” if it is yours.")
    if exc.code == "port":
        return _("The port of this address is not valid.")
    return _("Enter a valid web address, such as https://example.com/hooks.")


def _checked(data: EndpointInput) -> EndpointInput:
    errors: dict[str, str] = {}
    url = data.url.strip()
    try:
        url = check_url(url, address_allowed=public_or_internal if data.allow_internal else address_is_public)
    except RemoteFetchRefused as exc:
        errors["url"] = _url_error(exc)
    events = [name for name in EVENTS if name in set(data.events)]
    if len(events) != len(set(data.events)):
        errors["events"] = _("Choose events from the list.")
    elif not events:
        errors["events"] = _("Choose at least one event.")
    if errors:
        raise ValidationFailed(errors)
    return EndpointInput(url=url, description=data.description.strip()[:200], events=events, active=data.active,
                         allow_internal=data.allow_internal, include_private=data.include_private)


def _audited(endpoint: WebhookEndpoint) -> dict[str, Any]:
    # Never the secret, and the URL by its label only (its path may hold the receiver's token).
    return {"url": endpoint_label(endpoint.url), "events": list(endpoint.events or []), "active": endpoint.active,
            "allow_internal": endpoint.allow_internal, "include_private": endpoint.include_private}


def create_endpoint(actor: User, data: EndpointInput) -> WebhookEndpoint:
    checked = _checked(data)
    if (db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) or 0) >= MAX_ENDPOINTS:
        raise ValidationFailed(_("A community can have at most %(count)d webhook endpoints.", count=MAX_ENDPOINTS))
    endpoint = WebhookEndpoint(url=checked.url, description=checked.description, events=checked.events,
                               active=checked.active, allow_internal=checked.allow_internal,
                               include_private=checked.include_private, secret=new_secret(),
                               created_by_id=actor.id)
    db.session.add(endpoint)
    db.session.flush()
    record_action(actor, "webhook.create", "webhook", endpoint.id, after=_audited(endpoint))
    db.session.commit()
    return endpoint


def update_endpoint(actor: User, endpoint: WebhookEndpoint, data: EndpointInput) -> None:
    checked = _checked(data)
    before = _audited(endpoint)
    endpoint.url, endpoint.description, endpoint.events = checked.url, checked.description, checked.events
    endpoint.allow_internal, endpoint.include_private = checked.allow_internal, checked.include_private
    if checked.active and not endpoint.active:  # turned on again: a fresh count of failures
        endpoint.consecutive_failures = 0
        endpoint.disabled_at = None
    endpoint.active = checked.active
    if _audited(endpoint) != before:
        record_action(actor, "webhook.update", "webhook", endpoint.id, before=before, after=_audited(endpoint))
    db.session.commit()


def rotate_secret(actor: User, endpoint: WebhookEndpoint) -> None:
    """A new secret at once: deliveries from now on are signed with it (an attempt already on
    its way keeps the old one), so the receiver must be given the new secret."""
    endpoint.secret = new_secret()
    record_action(actor, "webhook.rotate_secret", "webhook", endpoint.id)
    db.session.commit()


def delete_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its delivery log go; deliveries still queued find nothing and stop."""
    record_action(actor, "webhook.delete", "webhook", endpoint.id, before=_audited(endpoint))
    db.session.delete(endpoint)
    db.session.commit()


def pending_count(endpoint: WebhookEndpoint) -> int:
    return int(db.session.scalar(select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.state == DeliveryState.PENDING)) or 0)
