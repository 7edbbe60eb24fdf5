"""Payments: charge an order, confirm a second step, refund."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.errors import Problem, not_found, problem_body
from liveshop.orders import fulfilment, returns
from liveshop.orders import service as orders
from liveshop.orders.models import Order, OrderStatus, ReturnRequest
from liveshop.payments.models import Payment, Refund
from liveshop.payments.provider import ChargeResult, PaymentProvider
from liveshop.payments.schemas import PaymentPublic, RefundPublic

Outcome = tuple[int, Any]


def _public(payment: Payment) -> dict[str, Any]:
    out = PaymentPublic.model_validate(payment)
    if payment.status == "requires_action":
        out.next_action = "confirm"
    return out.model_dump(mode="json")


async def _settle(
    session: AsyncSession, order: Order, payment: Payment, result: ChargeResult, actor: User
) -> Outcome:
    payment.status = result.status
    payment.provider_ref = result.ref
    payment.failure_code = result.failure_code
    await session.flush()
    if result.status == "succeeded":
        await fulfilment.mark_paid(session, order, actor=actor, payment_id=payment.id)
        return 201, _public(payment)
    if result.status == "requires_action":
        return 202, _public(payment)
    orders.record(session, order, "payment_failed", actor=actor, code=result.failure_code)
    body = problem_body(
        402,
        result.failure_code or "payment_failed",
        result.message or "The payment failed.",
        payment=_public(payment),
    )
    return 402, body


async def _check_payable(order: Order) -> None:
    if order.status != OrderStatus.pending_payment:
        code = "order_already_paid" if order.paid_at else "order_not_payable"
        raise Problem(
            409, code, "This order is {status} and cannot be paid.", values={"status": order.status}
        )
    if order.hold_expires_at is not None and order.hold_expires_at <= utcnow():
        raise Problem(409, "hold_expired", "The reservation ran out; place the order again.")
    if order.source.get("channel") == "giveaway":
        raise Problem(409, "order_not_payable", "Prizes are free: claim it with your address.")
    if order.address.get("provisional"):
        raise Problem(
            409, "address_required", "Give your shipping address before paying for this win."
        )


async def pay(
    *,
    session: AsyncSession,
    provider: PaymentProvider,
    buyer: User,
    order_id: int,
    card_number: str,
    idempotency_key: str,
) -> Outcome:
    """Charge the order total. Runs under `idempotency.run_once`, so once per key."""
    order = await orders.get_as_buyer(session=session, actor=buyer, order_id=order_id)
    await _check_payable(order)
    card = card_number.replace(" ", "")
    payment = Payment(
        order_id=order.id,
        amount=order.total,
        currency=order.currency,
        status="pending",
        provider=provider.name,
        card_last4=card[-4:],
    )
    session.add(payment)
    result = await provider.charge(
        session,
        amount=order.total,
        currency=order.currency,
        card_number=card,
        idempotency_key=f"{buyer.id}:{idempotency_key}",
    )
    return await _settle(session, order, payment, result, buyer)


async def _payment_for(session: AsyncSession, payment_id: int) -> Payment:
    payment = await session.get(Payment, payment_id)
    if payment is None:
        raise not_found("payment", payment_id)
    return payment


async def confirm(
    *, session: AsyncSession, provider: PaymentProvider, buyer: User, payment_id: int, code: str
) -> Outcome:
    payment = await _payment_for(session, payment_id)
    order = await orders.get_as_buyer(session=session, actor=buyer, order_id=payment.order_id)
    if payment.status != "requires_action" or payment.provider_ref is None:
        raise Problem(409, "nothing_to_confirm", "This payment needs no confirmation.")
    await _check_payable(order)
    result = await provider.confirm(session, ref=payment.provider_ref, code=code)
    if result.failure_code == "confirmation_failed":
        raise Problem(402, "confirmation_failed", "The confirmation code is wrong.")
    return await _settle(session, order, payment, result, buyer)


async def list_for_order(*, session: AsyncSession, viewer: User, order_id: int) -> list[Payment]:
    await orders.get(session=session, viewer=viewer, order_id=order_id)
    rows = await session.execute(
        select(Payment).where(Payment.order_id == order_id).order_by(Payment.id)
    )
    return list(rows.scalars())


async def refund(
    *,
    session: AsyncSession,
    provider: PaymentProvider,
    actor: User,
    order: Order,
    amount: int | None,
    reason: str,
    idempotency_key: str | None = None,
) -> Refund:
    """Refund part or all of a paid order. Caller has authorized `actor` and locked `order`."""
    if order.status not in fulfilment.REFUNDABLE:
        raise Problem(
            409,
            "not_refundable",
            "A {status} order cannot be refunded.",
            values={"status": order.status},
        )
    remaining = order.total - order.refunded_total
    amount = remaining if amount is None else amount
    if amount <= 0 or amount > remaining:
        raise Problem(
            422,
            "refund_too_large",
            "At most {remaining} can still be refunded.",
            values={"remaining": remaining},
            refundable=remaining,
        )
    stmt = select(Payment).where(Payment.order_id == order.id, Payment.status == "succeeded")
    payment = (await session.execute(stmt)).scalar_one_or_none()
    if payment is None or payment.provider_ref is None:
        raise Problem(409, "not_refundable", "This order has no successful payment.")
    key = idempotency_key or secrets.token_hex(16)
    result = await provider.refund(
        session, ref=payment.provider_ref, amount=amount, idempotency_key=key
    )
    row = Refund(
        payment_id=payment.id,
        order_id=order.id,
        amount=amount,
        reason=reason,
        provider_ref=result.ref,
    )
    session.add(row)
    payment.refunded_amount += amount
    order.refunded_total += amount
    full = order.refunded_total == order.total
    orders.record(
        session,
        order,
        "refunded",
        actor=actor,
        to_status=(OrderStatus.refunded if full else OrderStatus.partially_refunded).value,
        amount=amount,
        reason=reason,
    )
    await session.flush()
    return row


async def refund_as_seller(
    *,
    session: AsyncSession,
    provider: PaymentProvider,
    actor: User,
    order_id: int,
    amount: int | None,
    reason: str,
    idempotency_key: str,
) -> Outcome:
    order = await orders.get_as_seller(session=session, actor=actor, order_id=order_id)
    row = await refund(
        session=session,
        provider=provider,
        actor=actor,
        order=order,
        amount=amount,
        reason=reason,
        idempotency_key=idempotency_key,
    )
    return 201, RefundPublic.model_validate(row).model_dump(mode="json")


async def approve_return(
    *,
    session: AsyncSession,
    provider: PaymentProvider,
    actor: User,
    return_id: int,
    note: str | None,
) -> tuple[ReturnRequest, Order]:
    """The seller approves a return: orders restock it, and the money goes back at once."""
    ret, order, amount = await returns.approve(
        session=session, actor=actor, return_id=return_id, note=note
    )
    await refund(
        session=session,
        provider=provider,
        actor=actor,
        order=order,
        amount=amount,
        reason=f"return #{ret.id}",
    )
    return ret, order
