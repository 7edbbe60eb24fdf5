"""The outbox: delivery rows written inside the transaction of the change they describe.

Each handler here runs on the publisher's session (bus.subscribe), so an order that rolls back
leaves no delivery behind, and one that commits always has its deliveries. `(endpoint,
event_key)` is unique: a message handled twice (a retried request) queues one delivery.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.db import utcnow
from liveshop.integrations.webhooks import events
from liveshop.integrations.webhooks.models import OwnerKind, WebhookDelivery, WebhookEndpoint
from liveshop.live.shows.models import Show
from liveshop.orders.messages import DealHoldSettled, OrderChanged
from liveshop.orders.models import Order
from liveshop.selling.deals.models import FlashDeal

Owner = tuple[str, int]


class ShowMessage(Protocol):
    """live's `ShowStateChanged`: a show was scheduled, went live or ended."""

    @property
    def show_id(self) -> int: ...
    @property
    def status(self) -> str: ...


def new_msg_id() -> str:
    return "msg_" + uuid.uuid4().hex


def body_of(event_type: str, data: dict[str, Any], at: datetime | None = None) -> str:
    """The Standard Webhooks payload: type, timestamp, data."""
    stamp = (at or utcnow()).isoformat().replace("+00:00", "Z")
    return json.dumps(
        {"type": event_type, "timestamp": stamp, "data": data},
        separators=(",", ":"),
        default=str,
    )


async def enqueue(
    session: AsyncSession,
    *,
    owners: list[Owner],
    event_type: str,
    key: str,
    data: dict[str, Any],
    endpoint_id: int | None = None,
) -> int:
    """Queue the event for every enabled endpoint of `owners` that chose it; how many."""
    if endpoint_id is not None:
        stmt = select(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
    else:
        if not owners:
            return 0
        stmt = select(WebhookEndpoint).where(
            tuple_(WebhookEndpoint.owner_kind, WebhookEndpoint.owner_id).in_(owners),
            WebhookEndpoint.enabled.is_(True),
        )
    found = (await session.execute(stmt)).scalars().all()
    targets = [e for e in found if endpoint_id is not None or event_type in e.events]
    if not targets:
        return 0
    body = body_of(event_type, data)
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    now = utcnow()
    for endpoint in targets:
        await session.execute(
            insert(WebhookDelivery)
            .values(
                endpoint_id=endpoint.id,
                msg_id=new_msg_id(),
                event_type=event_type,
                event_key=key,
                body=body,
                status="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["endpoint_id", "event_key"])
        )
    return len(targets)


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def order_data(order: Order) -> dict[str, Any]:
    return {
        "id": order.id,
        "shop_id": order.shop_id,
        "status": order.status,
        "market": order.market_code,
        "currency": order.currency,
        "total": order.total,
        "refunded_total": order.refunded_total,
        "carrier": order.carrier,
        "tracking_number": order.tracking_number,
        "show_id": (order.source or {}).get("show_id"),
        "created_at": _iso(order.created_at),
        "paid_at": _iso(order.paid_at),
    }


def show_data(show: Show) -> dict[str, Any]:
    return {
        "id": show.id,
        "title": show.title,
        "status": show.status,
        "host_id": show.host_id,
        "shop_id": show.shop_id,
        "starts_at": _iso(show.starts_at),
        "went_live_at": _iso(show.went_live_at),
        "ended_at": _iso(show.ended_at),
    }


def _show_owners(show: Show) -> list[Owner]:
    owners: list[Owner] = [(OwnerKind.creator.value, show.host_id)]
    if show.shop_id is not None:
        owners.append((OwnerKind.shop.value, show.shop_id))
    return owners


async def on_order_changed(session: AsyncSession, msg: OrderChanged) -> None:
    event_type = events.ORDER_KINDS.get(msg.kind)
    if event_type is None:
        return
    order = await session.get(Order, msg.order_id)
    if order is None:
        return
    owners: list[Owner] = [(OwnerKind.shop.value, order.shop_id)]
    host_id = (order.source or {}).get("host_id")
    if isinstance(host_id, int):
        owners.append((OwnerKind.creator.value, host_id))
    # A refund can happen more than once per order; each one is its own event.
    suffix = f":{order.refunded_total}" if event_type == events.ORDER_REFUNDED else ""
    await enqueue(
        session,
        owners=owners,
        event_type=event_type,
        key=f"{event_type}:{order.id}{suffix}",
        data=order_data(order),
    )


async def on_show_changed(session: AsyncSession, msg: ShowMessage) -> None:
    event_type = {
        "scheduled": events.SHOW_SCHEDULED,
        "live": events.SHOW_LIVE,
        "ended": events.SHOW_ENDED,
    }.get(msg.status)
    show = await session.get(Show, msg.show_id)
    if event_type is None or show is None:
        return
    await enqueue(
        session,
        owners=_show_owners(show),
        event_type=event_type,
        key=f"{event_type}:{show.id}",
        data=show_data(show),
    )


async def on_deal_hold_settled(session: AsyncSession, msg: DealHoldSettled) -> None:
    """After selling counted the units (it is subscribed first): the last unit sold."""
    if msg.outcome != "converted":
        return
    row = (
        await session.execute(
            select(
                FlashDeal.stock, FlashDeal.sold, FlashDeal.shop_id, FlashDeal.show_id, Show.host_id
            )
            .join(Show, Show.id == FlashDeal.show_id)
            .where(FlashDeal.id == msg.deal_id)
        )
    ).first()
    if row is None or row.sold < row.stock:
        return
    await enqueue(
        session,
        owners=[(OwnerKind.shop.value, row.shop_id), (OwnerKind.creator.value, row.host_id)],
        event_type=events.DEAL_SOLD_OUT,
        key=f"{events.DEAL_SOLD_OUT}:{msg.deal_id}",
        data={
            "deal_id": msg.deal_id,
            "show_id": row.show_id,
            "shop_id": row.shop_id,
            "variant_id": msg.variant_id,
            "units": row.stock,
        },
    )


async def on_payout_paid(session: AsyncSession, msg: events.PayoutPaidMessage) -> None:
    """The ledger paid an owner (ledger.messages.PayoutPaid, wired in liveshop.wiring)."""
    await enqueue(
        session,
        owners=[(msg.owner_kind, msg.owner_id)],
        event_type=events.PAYOUT_PAID,
        key=f"{events.PAYOUT_PAID}:{msg.payout_id}",
        data={
            "payout_id": msg.payout_id,
            "amount": msg.amount,
            "currency": msg.currency,
            "owner_kind": msg.owner_kind,
            "owner_id": msg.owner_id,
        },
    )
