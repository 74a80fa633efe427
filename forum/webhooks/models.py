"""Webhook endpoints, the deliveries queued for them and each attempt's outcome.

An endpoint's ``secret`` is stored as it is: it must sign every delivery (HMAC needs the key
itself, as in Stripe's and Discourse's webhooks). Only admins read it, on the endpoint's page;
it is never in a payload, a log line or the audit log. A delivery's ``body`` is the exact JSON
sent (frozen when the event happened), so a redelivery sends the same object with a fresh
signature.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.db_types import UTCDateTime, utcnow
from forum.extensions import db


class DeliveryState(StrEnum):
    PENDING = "pending"      # queued, or waiting for its next attempt
    SUCCEEDED = "succeeded"  # a 2xx answer
    FAILED = "failed"        # every attempt failed
    SKIPPED = "skipped"      # its endpoint was disabled or deleted before it went out


class WebhookEndpoint(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(String(100))
    # The secret before the last rotation, still signing beside the new one until the time
    # below (forum.webhooks.signing.ROTATION_GRACE); both None otherwise.
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    events: Mapped[Any] = mapped_column(JSON, default=list)  # event names (forum.webhooks.events)
    active: Mapped[bool] = mapped_column(default=True)
    # The admin's explicit exception: this endpoint's host may resolve to loopback or private
    # addresses (forum.outbound.address_is_internal), never to link-local ones.
    allow_internal: Mapped[bool] = mapped_column(default=False)
    # The admin's explicit exception: this endpoint also hears of topics, posts and meetups a
    # visitor cannot read (members-only and staff-only content). Off, it hears of what a visitor
    # could read only (forum.webhooks.hooks decides with the domains' permission functions).
    include_private: Mapped[bool] = mapped_column(default=False)
    consecutive_failures: Mapped[int] = mapped_column(default=0)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # set by the automatic disabling
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status: Mapped[str | None] = mapped_column(String(16))  # a DeliveryState, or None before any
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def subscribes_to(self, event: str) -> bool:
        return event in (self.events or [])


class WebhookDelivery(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The Circolo-Delivery header: unique per delivery (a redelivery has its own).
    uid: Mapped[str] = mapped_column(String(40), unique=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # The payload's "id": one per event, the same in every endpoint's delivery and in a
    # redelivery, so a receiver that sees it twice knows it already handled it.
    event_id: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default=DeliveryState.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    status_code: Mapped[int | None] = mapped_column()  # of the last attempt
    response_ms: Mapped[int | None] = mapped_column()
    redelivery_of_id: Mapped[int | None] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(lazy="joined")
    attempt_rows: Mapped[list[WebhookAttempt]] = relationship(
        order_by="WebhookAttempt.number", cascade="all, delete-orphan", passive_deletes=True)

    __table_args__ = (Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),)


class WebhookAttempt(db.Model):  # type: ignore[name-defined,misc]
    """One try of a delivery: what the receiver answered (or why nothing came back)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status_code: Mapped[int | None] = mapped_column()
    response_ms: Mapped[int | None] = mapped_column()
    response_body: Mapped[str] = mapped_column(Text, default="")  # at most RESPONSE_KEEP bytes, decoded
    error: Mapped[str | None] = mapped_column(String(300))  # a refusal code and detail, when no answer
