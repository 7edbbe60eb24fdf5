"""Server-side events from the domains below analytics, heard through the bus (`wiring.py`)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as uow_
from liveshop.analytics.ingest import recorder
from liveshop.orders.messages import OrderChanged
from liveshop.orders.models import Order, OrderLine

SALE_KINDS = {"placed": "purchase", "cancelled": "cancel", "refunded": "refund"}


async def on_order_changed(session: AsyncSession, message: OrderChanged) -> None:
    """Purchases, cancellations and refunds, recorded once the order's change has committed.

    Giveaway prizes are gifts, not sales; a show's sales are the orders its page placed
    (`source["show_id"]`), as in the studio's live figures."""
    kind = SALE_KINDS.get(message.kind)
    if kind is None or not recorder.running:
        return
    order = await session.get(Order, message.order_id)
    if order is None or (order.source or {}).get("channel") == "giveaway":
        return
    show = (order.source or {}).get("show_id")
    show_id = show if isinstance(show, int) else None
    if kind == "refund":
        value, qty = int(message.data.get("amount", 0)), 0
        # The running refunded total tells refunds of one order apart, and repeats it exactly
        # when the same change is replayed.
        event_id = f"o{order.id}:refund:{order.refunded_total}"
    else:
        value = order.total
        qty = int(
            (
                await session.execute(
                    select(func.coalesce(func.sum(OrderLine.quantity), 0)).where(
                        OrderLine.order_id == order.id
                    )
                )
            ).scalar_one()
        )
        event_id = f"o{order.id}:{kind}"
    fields = {
        "show_id": show_id,
        "market": order.market_code,
        "shop_id": order.shop_id,
        "value": value,
        "qty": qty,
        "currency": order.currency,
        "id": event_id,
    }

    async def record() -> None:
        recorder.record(kind, **fields)  # type: ignore[arg-type]

    try:
        uow_.of(session).on_commit(record)
    except RuntimeError:  # a session outside a unit of work (scripts): record at once
        await record()
