"""Webhook endpoints, the outbox of deliveries, and each delivery's attempts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


class OwnerKind(StrEnum):
    shop = "shop"
    creator = "creator"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its (next) attempt
    delivered = "delivered"
    dead = "dead"  # every attempt failed: waits for a redelivery by hand


class WebhookEndpoint(Base):
    """Where a shop's or a creator's events go, signed with the endpoint's secret."""

    __tablename__ = "webhook_endpoints"
    __table_args__ = (Index("ix_webhook_endpoints_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(8))
    owner_id: Mapped[int]  # a shop id or a creator's user id
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The signing key must be read back to sign, so it is kept as issued (whsec_…), like
    # every Standard Webhooks sender; after a rotation the old one also signs for a while.
    secret: Mapped[str] = mapped_column(String(80))
    previous_secret: Mapped[str | None] = mapped_column(String(80))
    previous_until: Mapped[datetime | None]
    enabled: Mapped[bool] = mapped_column(default=True)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    consecutive_failures: Mapped[int] = mapped_column(default=0)  # attempts since a success
    failing_since: Mapped[datetime | None]
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event for one endpoint: written in the transaction of the change it describes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_key"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id", ondelete="CASCADE"))
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)  # the webhook-id header
    event_type: Mapped[str] = mapped_column(String(40))
    event_key: Mapped[str] = mapped_column(String(120))  # at most one delivery per event
    body: Mapped[str] = mapped_column(Text)  # the exact bytes sent, the same on every attempt
    status: Mapped[str] = mapped_column(String(10), default=DeliveryStatus.pending.value)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_token: Mapped[str | None] = mapped_column(String(40))
    leased_until: Mapped[datetime | None]
    last_status_code: Mapped[int | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    """What one attempt got back: the delivery log's rows."""

    __tablename__ = "webhook_attempts"
    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    status_code: Mapped[int | None]
    duration_ms: Mapped[int]
    error: Mapped[str | None] = mapped_column(String(300))
    response: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
