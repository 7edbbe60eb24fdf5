"""What happens to a show's promotions when the show ends.

The rule (README, "Selling in the room"): selling stops with the show.
- Flash deals that are scheduled or open end at once: a buy after the end is refused with
  `deal_ended`, unsold deal units go back to the product, and the room hears `deal_ended`.
  Units already held stay payable within their hold time.
- An open auction closes at once and its highest bid wins, exactly as if its time ran out.
- Giveaway entries close with the show (entering needs a live show); the host may still draw
  from the entrants afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.db import utcnow
from liveshop.live.room.events import send_room_event
from liveshop.live.shows.messages import ShowStateChanged
from liveshop.live.shows.models import Show, ShowStatus
from liveshop.selling.auctions import service as auctions
from liveshop.selling.auctions.models import Auction, AuctionStatus
from liveshop.selling.deals import locks as deal_locks
from liveshop.selling.deals.events import DealEndedEvent
from liveshop.selling.deals.models import DealStatus, FlashDeal
from liveshop.uow import UnitOfWork

RUNNING_DEALS = (DealStatus.scheduled.value, DealStatus.open.value)


async def close_promotions(uow: UnitOfWork, show: Show, *, hold_minutes: float) -> None:
    """End the show's running deals and auctions in the unit of work that ends the show."""
    session = uow.session
    now = utcnow()
    deals = (
        await session.execute(
            select(FlashDeal)
            .where(FlashDeal.show_id == show.id, FlashDeal.status.in_(RUNNING_DEALS))
            .order_by(FlashDeal.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalars()
    for deal in list(deals):
        deal.status = DealStatus.ended.value
        deal.ends_at = min(deal.ends_at, now)
        await deal_locks.release_leftovers(session, deal_id=deal.id)
        send_room_event(uow, show.id, DealEndedEvent(deal_id=deal.id, sold=deal.sold))
    running = (
        await session.execute(
            select(Auction.id)
            .where(Auction.show_id == show.id, Auction.status == AuctionStatus.open.value)
            .order_by(Auction.id)
        )
    ).scalars()
    for auction_id in list(running):
        auction = await auctions.get(session=session, auction_id=auction_id, for_update=True)
        # A moment in the past, so `close` sees it as due however the clocks compare.
        auction.ends_at = min(auction.ends_at, now - timedelta(milliseconds=1))
        await session.flush()
        await auctions.close(session=session, auction_id=auction_id, hold_minutes=hold_minutes)


def closer(hold_minutes: float) -> Callable[[AsyncSession, ShowStateChanged], Awaitable[None]]:
    """The bus handler for a show's end (wired in liveshop.wiring)."""

    async def _close(session: AsyncSession, message: ShowStateChanged) -> None:
        if message.status != ShowStatus.ended.value:
            return
        show = await session.get(Show, message.show_id)
        if show is not None:
            await close_promotions(unit_of_work.of(session), show, hold_minutes=hold_minutes)

    return _close
