"""What happens to an order after it is placed: payment, shipping, delivery, cancellation."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import bus
from liveshop.accounts.models import User
from liveshop.catalog import locks as stock
from liveshop.db import utcnow
from liveshop.errors import Problem
from liveshop.i18n import N_, Msg
from liveshop.orders.messages import DealHoldSettled, OrderPaid
from liveshop.orders.models import Hold, HoldStatus, Order, OrderStatus
from liveshop.orders.schemas import ShipIn
from liveshop.orders.service import record

S = OrderStatus
REFUNDABLE = frozenset({S.paid, S.shipped, S.delivered, S.completed, S.partially_refunded})


# Whole sentences, so that each language can build its own; the status is a word of its own.
_REFUSALS = {
    "pay": N_("This order cannot be paid: it is {status}."),
    "cancel": N_("This order cannot be cancelled: it is {status}."),
    "ship": N_("This order cannot be shipped: it is {status}."),
    "mark delivered": N_("This order cannot be marked delivered: it is {status}."),
    "complete": N_("This order cannot be completed: it is {status}."),
}
STATUS_WORDS = {
    S.pending_payment: N_("awaiting payment"),
    S.paid: N_("paid"),
    S.shipped: N_("shipped"),
    S.delivered: N_("delivered"),
    S.completed: N_("completed"),
    S.cancelled: N_("cancelled"),
    S.refunded: N_("refunded"),
    S.partially_refunded: N_("partly refunded"),
}


def _require(order: Order, *allowed: OrderStatus, action: str) -> None:
    if order.status not in allowed:
        raise Problem(
            409,
            "invalid_transition",
            _REFUSALS[action],
            values={"status": STATUS_WORDS.get(OrderStatus(order.status), Msg(order.status))},
            order_status=order.status,
        )


async def _take_holds(session: AsyncSession, order: Order, to: HoldStatus) -> list[Hold]:
    """Flip the order's active holds; the conditional update makes a second flipper a no-op."""
    holds = list(
        (
            await session.execute(
                select(Hold)
                .where(Hold.order_id == order.id, Hold.status == HoldStatus.active.value)
                .order_by(Hold.variant_id)
            )
        ).scalars()
    )
    taken = []
    for hold in holds:
        result = await session.execute(
            update(Hold)
            .where(Hold.id == hold.id, Hold.status == HoldStatus.active.value)
            .values(status=to.value)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) == 1:
            taken.append(hold)
    return taken


async def mark_paid(
    session: AsyncSession, order: Order, *, actor: User | None, payment_id: int
) -> None:
    """Caller holds the order row lock (`get(..., for_update=True)`)."""
    _require(order, S.pending_payment, action="pay")
    for hold in await _take_holds(session, order, HoldStatus.converted):
        if hold.deal_id is not None:
            await bus.publish(session, _settled(hold, order, "converted"))
        else:
            await stock.commit_sale(session, variant_id=hold.variant_id, quantity=hold.quantity)
    order.paid_at = utcnow()
    order.hold_expires_at = None
    record(session, order, "paid", actor=actor, to_status=S.paid.value, payment_id=payment_id)
    await bus.publish(session, OrderPaid(order_id=order.id))


async def cancel(session: AsyncSession, order: Order, *, actor: User | None, reason: str) -> None:
    """Cancel an unpaid order and give its held units back."""
    _require(order, S.pending_payment, action="cancel")
    for hold in await _take_holds(session, order, HoldStatus.released):
        if hold.deal_id is not None:
            # Selling decides whether the units go back into the deal or to stock.
            await bus.publish(session, _settled(hold, order, "released"))
        else:
            await stock.release(session, variant_id=hold.variant_id, quantity=hold.quantity)
    order.hold_expires_at = None
    record(session, order, "cancelled", actor=actor, to_status=S.cancelled.value, reason=reason)


async def ship(session: AsyncSession, order: Order, *, actor: User, data: ShipIn) -> None:
    _require(order, S.paid, action="ship")
    order.carrier, order.tracking_number = data.carrier, data.tracking_number
    record(
        session,
        order,
        "shipped",
        actor=actor,
        to_status=S.shipped.value,
        carrier=data.carrier,
        tracking_number=data.tracking_number,
    )


async def deliver(session: AsyncSession, order: Order, *, actor: User) -> None:
    _require(order, S.shipped, action="mark delivered")
    order.delivered_at = utcnow()
    record(session, order, "delivered", actor=actor, to_status=S.delivered.value)


async def complete(session: AsyncSession, order: Order, *, actor: User | None) -> None:
    _require(order, S.delivered, action="complete")
    record(session, order, "completed", actor=actor, to_status=S.completed.value)


def _settled(hold: Hold, order: Order, outcome: str) -> DealHoldSettled:
    assert hold.deal_id is not None
    return DealHoldSettled(
        deal_id=hold.deal_id,
        variant_id=hold.variant_id,
        buyer_id=order.buyer_id,
        quantity=hold.quantity,
        outcome=outcome,
    )
