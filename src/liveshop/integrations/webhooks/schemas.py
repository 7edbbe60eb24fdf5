"""Webhook API models: endpoint create/update/public, deliveries and attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from liveshop.inputs import Id, Input
from liveshop.integrations.webhooks.events import EVENT_TYPES

EventType = Literal[
    "order.created",
    "order.paid",
    "order.shipped",
    "order.refunded",
    "show.scheduled",
    "show.live",
    "show.ended",
    "deal.sold_out",
    "payout.paid",
]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]


def _http_url(value: str) -> str:
    if not value.lower().startswith(("https://", "http://")) or " " in value:
        raise ValueError("give an http:// or https:// address")
    return value


Url = Annotated[str, Field(min_length=10, max_length=2000), AfterValidator(_http_url)]
Events = Annotated[list[EventType], Field(min_length=1, max_length=len(EVENT_TYPES))]


class EndpointCreate(Input):
    owner_kind: Literal["shop", "creator"]
    owner_id: Id
    url: Url
    description: str = Field(default="", max_length=200)
    events: Events


class EndpointUpdate(Input):
    url: Url | None = None
    description: str | None = Field(default=None, max_length=200)
    events: Events | None = None
    enabled: bool | None = None


class EndpointPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_kind: str
    owner_id: int
    url: str
    description: str
    events: list[str]
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    created_at: datetime


class EndpointSecret(EndpointPublic):
    """Shown once at creation and after each rotation: the signing secret."""

    secret: str


class AttemptPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    status_code: int | None
    duration_ms: int
    error: str | None
    response: str
    at: datetime


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    msg_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class DeliveryDetail(DeliveryPublic):
    body: str
    log: list[AttemptPublic]
