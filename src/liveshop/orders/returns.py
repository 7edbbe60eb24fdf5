"""Returns: the buyer asks within the market's window; the seller approves (refund) or declines."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop.accounts.models import User
from liveshop.catalog import locks as stock
from liveshop.catalog import service as catalog
from liveshop.db import utcnow
from liveshop.errors import Problem, not_found
from liveshop.i18n import Msg
from liveshop.markets import service as markets
from liveshop.orders import service as orders
from liveshop.orders.models import Order, OrderStatus, ReturnRequest
from liveshop.orders.schemas import ReturnCreate, ReturnLineIn

RETURNABLE = frozenset(
    {OrderStatus.delivered, OrderStatus.completed, OrderStatus.partially_refunded}
)


async def request(
    *, session: AsyncSession, buyer: User, order_id: int, data: ReturnCreate
) -> ReturnRequest:
    order = await orders.get_as_buyer(session=session, actor=buyer, order_id=order_id)
    if order.status not in RETURNABLE or order.delivered_at is None:
        raise Problem(409, "not_returnable", "Only delivered orders can be returned.")
    market = await markets.get(session=session, code=order.market_code)
    deadline = order.delivered_at + timedelta(days=market.return_window_days)
    if utcnow() > deadline:
        raise Problem(
            409,
            "return_window_closed",
            "Returns in {name} close {return_window_days} days after delivery.",
            values={"name": market.name, "return_window_days": market.return_window_days},
        )
    open_stmt = select(ReturnRequest.id).where(
        ReturnRequest.order_id == order.id, ReturnRequest.status == "requested"
    )
    if (await session.execute(open_stmt)).first():
        raise Problem(409, "return_already_requested", "A return for this order is already open.")
    by_id = {ln.id: ln for ln in order.lines}
    wanted = data.lines or [
        ReturnLineIn(line_id=ln.id, quantity=ln.quantity - ln.refunded_quantity)
        for ln in order.lines
        if ln.quantity > ln.refunded_quantity
    ]
    amount, lines = 0, []
    for want in wanted:
        line = by_id.get(want.line_id)
        if line is None:
            raise not_found("order_line", want.line_id)
        if want.quantity > line.quantity - line.refunded_quantity:
            raise Problem(
                422,
                "return_quantity_too_large",
                "Line {id} has fewer units to return.",
                values={"id": line.id},
            )
        amount += line.gross * want.quantity // line.quantity
        lines.append({"line_id": line.id, "quantity": want.quantity})
    if not lines:
        raise Problem(409, "not_returnable", "Everything on this order was already refunded.")
    ret = ReturnRequest(
        order_id=order.id, buyer_id=buyer.id, reason=data.reason, lines=lines, amount=amount
    )
    session.add(ret)
    orders.record(session, order, "return_requested", actor=buyer, amount=amount)
    await session.flush()
    return ret


async def _open_return(
    session: AsyncSession, actor: User, return_id: int
) -> tuple[ReturnRequest, Order]:
    ret = await session.get(ReturnRequest, return_id, with_for_update=True)
    if ret is None:
        raise not_found("return", return_id)
    order = await orders.get_as_seller(session=session, actor=actor, order_id=ret.order_id)
    if ret.status != "requested":
        raise Problem(
            409,
            "return_already_decided",
            "This return was already {status}.",
            values={"status": Msg(ret.status)},  # approved, declined: words in the catalogue
        )
    return ret, order


async def approve(
    *, session: AsyncSession, actor: User, return_id: int, note: str | None
) -> tuple[ReturnRequest, Order, int]:
    """Accept a return: restock its lines and mark it approved. Returns the amount to refund,
    which the caller (payments.service.approve_return) pays back in the same transaction."""
    ret, order = await _open_return(session, actor, return_id)
    by_id = {ln.id: ln for ln in order.lines}
    for item in ret.lines:
        line = by_id[item["line_id"]]
        line.refunded_quantity += item["quantity"]
        await stock.restock(session, variant_id=line.variant_id, quantity=item["quantity"])
    amount = min(ret.amount, order.total - order.refunded_total)
    ret.status, ret.decision_note, ret.decided_at = "approved", note, utcnow()
    await session.flush()
    return ret, order, amount


async def decline(
    *, session: AsyncSession, actor: User, return_id: int, note: str | None
) -> tuple[ReturnRequest, Order]:
    ret, order = await _open_return(session, actor, return_id)
    ret.status, ret.decision_note, ret.decided_at = "declined", note, utcnow()
    orders.record(session, order, "return_declined", actor=actor, return_id=ret.id)
    await session.flush()
    return ret, order


async def list_for_order(
    *, session: AsyncSession, viewer: User, order_id: int
) -> tuple[Order, list[ReturnRequest]]:
    order = await orders.get(session=session, viewer=viewer, order_id=order_id)
    rows = await session.execute(
        select(ReturnRequest).where(ReturnRequest.order_id == order_id).order_by(ReturnRequest.id)
    )
    return order, list(rows.scalars())


async def list_for_shop(
    *,
    session: AsyncSession,
    actor: User,
    shop_id: int,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[tuple[ReturnRequest, Order]], int]:
    """Return requests on a shop's orders, newest first; only the shop's sellers may look."""
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    cond = [Order.shop_id == shop_id]
    if status:
        cond.append(ReturnRequest.status == status)
    joined = select(ReturnRequest, Order).join(Order, Order.id == ReturnRequest.order_id)
    count = (
        select(func.count())
        .select_from(ReturnRequest)
        .join(Order, Order.id == ReturnRequest.order_id)
    )
    total = (await session.execute(count.where(*cond))).scalar_one()
    rows = await session.execute(
        joined.where(*cond)
        .options(selectinload(Order.lines))
        .order_by(ReturnRequest.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [(ret, order) for ret, order in rows], total
