"""The settlement sweep: orders settle N days after delivery; reserves are released when due.

Safe on many workers at once (and twice in a row): each order is settled under its row lock
and only while its payment is still pending; a reserve release has a fixed transfer id and is
written under the reserve account's row lock after checking it is not there yet.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.broker import Broker
from liveshop.db import Database, utcnow
from liveshop.ledger.models import Kind, LedgerAccount, LedgerTransfer, Phase
from liveshop.ledger.posting import seller, settle
from liveshop.ledger.service import Acct, Chain, Leg, lock_account, post
from liveshop.ledger.terms import Terms
from liveshop.orders import service as orders
from liveshop.orders.models import Order
from liveshop.uow import UnitOfWork

BATCH = 500


async def due_orders(session: AsyncSession, terms: Terms) -> list[int]:
    """Orders whose payment is still pending and whose settlement day has come."""
    resolved = select(LedgerTransfer.pending_id).where(LedgerTransfer.pending_id.is_not(None))
    stmt = (
        select(Order.id, Order.market_code, Order.delivered_at)
        .join(LedgerTransfer, LedgerTransfer.order_id == Order.id)
        .where(
            LedgerTransfer.code == "payment",
            LedgerTransfer.phase == Phase.pending.value,
            LedgerTransfer.id.not_in(resolved),
            Order.delivered_at.is_not(None),
        )
        .order_by(Order.delivered_at)
        .limit(BATCH)
    )
    now = utcnow()
    return [
        order_id
        for order_id, market, delivered in (await session.execute(stmt)).all()
        if delivered is not None and delivered + timedelta(days=terms.days(market)) <= now
    ]


async def settle_due(db: Database, broker: Broker, terms: Terms) -> int:
    """Settle every due order, one transaction each; returns how many this call settled."""
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        due = await due_orders(uow.session, terms)
    done = 0
    for order_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            order = await orders.load(session=uow.session, order_id=order_id, for_update=True)
            if await settle(uow.session, order, terms):
                await uow.commit()
                done += 1
    return done


async def release_reserves(db: Database, broker: Broker, *, at: datetime | None = None) -> int:
    """Give sellers back the reserve legs that have come due (by `at`, default now)."""
    at = at or utcnow()
    released = select(LedgerTransfer.id).where(LedgerTransfer.code == "reserve_release")
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        rows = await uow.session.execute(
            select(LedgerTransfer.id)
            .where(
                LedgerTransfer.code == "reserve",
                LedgerTransfer.due_at <= at,
                (LedgerTransfer.id + ":release").not_in(released),
            )
            .limit(BATCH)
        )
        due = list(rows.scalars())
    done = 0
    for transfer_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            t = await uow.session.get(LedgerTransfer, transfer_id)
            assert t is not None
            owner = await uow.session.get(LedgerAccount, t.credit_account_id)
            assert owner is not None
            await lock_account(uow.session, t.ledger, Acct(Kind.reserve, owner.owner_id))
            leg = Leg(
                f"{t.id}:release",
                "reserve_release",
                t.amount,
                Acct(Kind.reserve, owner.owner_id),
                seller(owner.owner_id),
                order_id=t.order_id,
                reason="rolling reserve released",
            )
            if await post(uow.session, Chain(t.ledger, leg.id, [leg])):
                await uow.commit()
                done += 1
    return done
