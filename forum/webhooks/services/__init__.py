"""Webhooks' services: endpoints (admins) and deliveries (queue, send, log)."""

from __future__ import annotations

from . import delivery
from .delivery import (
    JOB,
    MAX_ATTEMPTS,
    PRUNE_JOB,
    DeliveryFailed,
    deliver,
    delivery_log,
    get_delivery,
    prune,
    redeliver,
    send_ping,
    stage_event,
    subscribed_endpoints,
)
from .endpoints import (
    EndpointInput,
    create_endpoint,
    delete_endpoint,
    disabled_by_failures_count,
    get_endpoint,
    list_endpoints,
    pending_count,
    rotate_secret,
    update_endpoint,
)

__all__ = [
    "JOB",
    "MAX_ATTEMPTS",
    "PRUNE_JOB",
    "DeliveryFailed",
    "EndpointInput",
    "create_endpoint",
    "delete_endpoint",
    "deliver",
    "delivery",
    "delivery_log",
    "disabled_by_failures_count",
    "get_delivery",
    "get_endpoint",
    "list_endpoints",
    "pending_count",
    "prune",
    "redeliver",
    "rotate_secret",
    "send_ping",
    "stage_event",
    "subscribed_endpoints",
    "update_endpoint",
]
