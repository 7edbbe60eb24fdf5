"""Background sweeps: expire unpaid holds, complete delivered orders after the return window.

Each job takes ids and opens its own unit of work per order, so many workers can run the
same sweep at once: the conditional status change lets exactly one of them act.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select

from liveshop import metrics
from liveshop.broker import Broker
from liveshop.db import Database, utcnow
from liveshop.markets.models import Market
from liveshop.orders import fulfilment
from liveshop.orders import service as orders
from liveshop.orders.models import Order, OrderStatus
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 200


async def expire_holds(db: Database, broker: Broker) -> int:
    """Cancel unpaid orders whose hold ran out; returns how many this worker cancelled."""
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        stmt = (
            select(Order.id)
            .where(
                Order.status == OrderStatus.pending_payment.value, Order.hold_expires_at <= utcnow()
            )
            .order_by(Order.hold_expires_at)
            .limit(BATCH)
        )
        due = list((await uow.session.execute(stmt)).scalars())
    done = 0
    for order_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            order = await orders.load(session=uow.session, order_id=order_id, for_update=True)
            if order.status != OrderStatus.pending_payment or order.hold_expires_at is None:
                continue  # paid or cancelled meanwhile, maybe by another worker
            if order.hold_expires_at > utcnow():
                continue
            await fulfilment.cancel(uow.session, order, actor=None, reason="hold_expired")
            await uow.commit()
            done += 1
    return done


async def complete_delivered(db: Database, broker: Broker) -> int:
    """Delivered orders whose return window has passed become completed."""
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        windows = {
            m.code: m.return_window_days
            for m in (await uow.session.execute(select(Market))).scalars()
        }
        stmt = select(Order.id, Order.market_code, Order.delivered_at).where(
            Order.status == OrderStatus.delivered.value
        )
        rows = list((await uow.session.execute(stmt.limit(BATCH * 5))).all())
    now, done = utcnow(), 0
    for order_id, market, delivered_at in rows:
        if delivered_at is None or delivered_at + timedelta(days=windows[market]) > now:
            continue
        async with UnitOfWork(db=db, broker=broker) as uow:
            order = await orders.load(session=uow.session, order_id=order_id, for_update=True)
            if order.status == OrderStatus.delivered:
                await fulfilment.complete(uow.session, order, actor=None)
                await uow.commit()
                done += 1
    return done


async def run_sweeper(db: Database, broker: Broker, interval: float) -> None:
    """Forever: sweep, then sleep. Errors are logged, never fatal."""
    while True:
        try:
            with metrics.sweep("orders"):
                await expire_holds(db, broker)
                await complete_delivered(db, broker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("sweep failed")
        await asyncio.sleep(interval)
