"""Background jobs: close auctions at their end, redraw giveaways nobody claimed in time.

Each job reads due ids, then handles each in its own unit of work under the row lock, so
many workers may run them at once: the status check under the lock lets one of them act.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from liveshop import metrics
from liveshop.broker import Broker
from liveshop.db import Database, utcnow
from liveshop.errors import Problem
from liveshop.selling.auctions import service as auctions
from liveshop.selling.auctions.models import Auction, AuctionStatus
from liveshop.selling.deals import service as deals
from liveshop.selling.giveaways import service as giveaways
from liveshop.selling.giveaways.models import Giveaway
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)
BATCH = 200


async def close_due_auctions(db: Database, broker: Broker, *, hold_minutes: float) -> int:
    """End every open auction past its end; returns how many this worker closed."""
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        stmt = (
            select(Auction.id)
            .where(Auction.status == AuctionStatus.open.value, Auction.ends_at <= utcnow())
            .order_by(Auction.ends_at)
            .limit(BATCH)
        )
        due = list((await uow.session.execute(stmt)).scalars())
    done = 0
    for auction_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            if await auctions.close(
                session=uow.session, auction_id=auction_id, hold_minutes=hold_minutes
            ):
                await uow.commit()
                done += 1
    return done


async def redraw_unclaimed(db: Database, broker: Broker) -> int:
    """Draw again for giveaways whose winner let the claim window pass."""
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        stmt = (
            select(Giveaway.id)
            .where(Giveaway.status == giveaways.DRAWN, Giveaway.claim_deadline <= utcnow())
            .order_by(Giveaway.claim_deadline)
            .limit(BATCH)
        )
        due = list((await uow.session.execute(stmt)).scalars())
    done = 0
    for giveaway_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            try:
                redrawn = await giveaways.redraw_if_unclaimed(
                    session=uow.session, giveaway_id=giveaway_id
                )
            except Problem as exc:  # e.g. the order vanished; leave it for an operator
                log.warning("giveaway %s: redraw failed: %s", giveaway_id, exc.code)
                continue
            if redrawn:
                await uow.commit()
                done += 1
    return done


async def run_promo_tasks(db: Database, broker: Broker, settings: Settings) -> None:
    """Forever: close due auctions, redraw unclaimed giveaways, sleep. Errors never kill it."""
    while True:
        try:
            with metrics.sweep("promotions"):
                await close_due_auctions(db, broker, hold_minutes=settings.hold_minutes)
                await redraw_unclaimed(db, broker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("promotion sweep failed")
        await asyncio.sleep(min(settings.sweep_interval_seconds, 1.0))


async def run_deal_timers(db: Database, broker: Broker, interval: float) -> None:
    """Forever: open and end deals whose time has come, release what ended deals left."""
    while True:
        try:
            with metrics.sweep("deals"):
                await deals.advance(db, broker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("deal timers failed")
        await asyncio.sleep(interval)
