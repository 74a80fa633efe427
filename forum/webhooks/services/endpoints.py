"""Admins' endpoints: add, change, rotate the secret, delete; what the admin pages list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from forum.accounts.models import User
from forum.audit import record_action
from forum.db_types import utcnow
from forum.errors import NotFound, ValidationFailed
from forum.extensions import db
from forum.outbound import RemoteFetchRefused, address_is_public, check_host, check_url, public_or_internal

from ..events import EVENTS
from ..models import DeliveryState, WebhookDelivery, WebhookEndpoint
from ..naming import endpoint_label
from ..signing import ROTATION_GRACE, new_secret

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


def _url_error(exc: RemoteFetchRefused, allow_internal: bool, internal: bool) -> str:
    """``internal``: the refused address would pass with "Allow an internal host" ticked."""
    if exc.code == "scheme":
        return _("Only http:// and https:// addresses can receive webhooks.")
    if exc.code == "credentials":
        return _("A user name or password in the address is not allowed: give the receiver's credentials "
                 "another way (a token in the path, or the signature).")
    if exc.code == "address":
        if internal and not allow_internal:
            return _("This address is on an internal network. Tick “Allow an internal host” if it is yours.")
        return _("This address is link-local or reserved (such as 169.254.x.x, a cloud's metadata service): it is "
                 "never allowed, even with “Allow an internal host”.")
    if exc.code == "port":
        return _("The port of this address is not valid.")
    return _("Enter a valid web address, such as https://example.com/hooks.")


def _checked_url(url: str, allow_internal: bool) -> tuple[str, str | None]:
    """The URL normalised and a warning, or RemoteFetchRefused. The host is resolved once and
    every address checked as delivery will (forum.outbound): a name that points to an internal
    host is refused now, not at the first delivery. A name that does not resolve yet is only a
    warning (the receiver may not be online yet); delivery checks again each time."""
    policy = public_or_internal if allow_internal else address_is_public
    url = check_url(url, address_allowed=policy)
    try:
        check_host(url, address_allowed=policy)
    except RemoteFetchRefused as exc:
        if exc.code != "dns":
            raise
        return url, _("The host name of this address could not be found now. Deliveries will fail until it "
                      "can be.")
    return url, None


def _would_pass_as_internal(url: str) -> bool:
    try:
        check_url(url, address_allowed=public_or_internal)
        check_host(url, address_allowed=public_or_internal)
    except RemoteFetchRefused as exc:
        return exc.code == "dns"
    return True


def _checked(data: EndpointInput, warnings: list[str] | None) -> EndpointInput:
    errors: dict[str, str] = {}
    url = data.url.strip()
    try:
        url, warning = _checked_url(url, data.allow_internal)
    except RemoteFetchRefused as exc:
        internal = exc.code == "address" and not data.allow_internal and _would_pass_as_internal(url)
        errors["url"] = _url_error(exc, data.allow_internal, internal)
    else:
        if warning is not None and warnings is not None:
            warnings.append(warning)
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


def create_endpoint(actor: User, data: EndpointInput, warnings: list[str] | None = None) -> WebhookEndpoint:
    """``warnings``: given, it receives what the admin should know though the save went through."""
    checked = _checked(data, warnings)
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


def update_endpoint(actor: User, endpoint: WebhookEndpoint, data: EndpointInput,
                    warnings: list[str] | None = None) -> None:
    checked = _checked(data, warnings)
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
    """A new secret at once: deliveries from now on are signed with it and, for
    ROTATION_GRACE (24 h), with the previous one too, so the receiver has a day to be given
    the new secret (a second rotation within the day drops the oldest)."""
    endpoint.previous_secret, endpoint.previous_secret_until = endpoint.secret, utcnow() + ROTATION_GRACE
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
