"""Auctions in the live room: proxy bids, anti-sniping, and the winner's order.

Bids on one auction serialize on the auction row (`SELECT ... FOR UPDATE` on PostgreSQL; on
SQLite every write already queues behind the app's single writer connection), so the
leader, the price and the end time always move together. Lock order: auction, then variant.

The auction keeps one unit of its variant reserved from opening to closing, so a winner is
never told the item sold out meanwhile; at closing that unit moves into the winner's order.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.accounts.models import User
from liveshop.catalog import locks as stock
from liveshop.catalog import service as catalog
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.live.room.events import send_room_event
from liveshop.live.room.models import RoomSanction
from liveshop.live.shows import service as shows
from liveshop.markets import service as markets
from liveshop.markets.rollout import service as rollout
from liveshop.markets.tax import rate_for
from liveshop.orders import service as orders
from liveshop.orders.models import Order, OrderStatus
from liveshop.orders.schemas import Address
from liveshop.selling import pricing
from liveshop.selling.auctions.events import (
    AuctionBidEvent,
    AuctionEndedEvent,
    AuctionExtendedEvent,
    AuctionOpenedEvent,
)
from liveshop.selling.auctions.models import Auction, AuctionStatus, Bid
from liveshop.selling.auctions.schemas import AuctionCreate
from liveshop.selling.promotions import (
    check_runner,
    handle_of,
    is_show_staff,
    live_show,
    reserve_one,
    show_variant,
)

log = logging.getLogger(__name__)


VIAS = frozenset({"http", "ws"})


KEEP_REFUSED = 200  # refused bids kept per auction, newest first


def increment_at(table: list[list[int]], price: int) -> int:
    """The increment of the last row whose `from_amount` is at most `price`."""
    step = table[0][1]
    for from_amount, increment in table:
        if price < from_amount:
            break
        step = increment
    return step


def min_bid(auction: Auction) -> int:
    if auction.current_price is None:
        return auction.start_price
    return auction.current_price + increment_at(auction.increments, auction.current_price)


async def create(
    *, session: AsyncSession, actor: User, show_id: int, data: AuctionCreate
) -> Auction:
    show = await live_show(session=session, show_id=show_id)
    variant = await show_variant(session=session, show=show, variant_id=data.variant_id)
    await check_runner(session=session, actor=actor, show=show, shop_id=variant.shop_id)
    await shows.check_sellable(session=session, actor=actor, show=show, product=variant.product)
    if show.markets and data.market not in show.markets:
        raise Problem(
            409,
            "market_not_in_show",
            "This show does not sell in {market}.",
            values={"market": data.market},
        )
    market = await markets.check_open(session=session, code=data.market)
    await rollout.require(
        session, market=market.code, feature="auctions", shop_id=variant.shop_id,
        creator_id=show.host_id,
    )  # fmt: skip
    if not any(p.market_code == market.code for p in variant.prices):
        raise Problem(
            409,
            "not_sold_in_market",
            "{title} is not sold in market {code}.",
            values={"title": variant.product.title, "code": market.code},
        )
    await reserve_one(session, variant)
    now = utcnow()
    auction = Auction(
        show_id=show.id,
        shop_id=variant.shop_id,
        product_id=variant.product_id,
        variant_id=variant.id,
        created_by=actor.id,
        market_code=market.code,
        currency=market.currency,
        start_price=data.start_price,
        increments=[list(row) for row in data.increments],
        anti_snipe_seconds=data.anti_snipe_seconds,
        sudden_death=data.sudden_death,
        opens_at=now,
        ends_at=now + timedelta(seconds=data.duration_seconds),
        status=AuctionStatus.open.value,
    )
    session.add(auction)
    await session.flush()
    send_room_event(
        unit_of_work.of(session),
        show.id,
        AuctionOpenedEvent(
            auction_id=auction.id,
            product_id=variant.product_id,
            variant_id=variant.id,
            title=variant.product.title,
            currency=auction.currency,
            start_price=auction.start_price,
            min_bid=min_bid(auction),
            ends_at=auction.ends_at,
            anti_snipe_seconds=auction.anti_snipe_seconds,
            sudden_death=auction.sudden_death,
        ),
    )
    return auction


async def get(*, session: AsyncSession, auction_id: int, for_update: bool = False) -> Auction:
    stmt = select(Auction).where(Auction.id == auction_id)
    if for_update:
        stmt = stmt.with_for_update()
    auction = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if auction is None:
        raise not_found("auction", auction_id)
    return auction


async def list_(*, session: AsyncSession, show_id: int, limit: int = 20) -> list[Auction]:
    """The show's latest auctions, newest first (a late joiner finds the open one here)."""
    await shows.get(session=session, show_id=show_id)
    stmt = select(Auction).where(Auction.show_id == show_id).order_by(Auction.id.desc())
    return list((await session.execute(stmt.limit(limit))).scalars())


async def list_bids(
    *, session: AsyncSession, auction_id: int, after: int = 0, limit: int | None = None
) -> list[tuple[Bid, str]]:
    """Bids in order; `after` (a bid id) and `limit` page through them."""
    await get(session=session, auction_id=auction_id)
    stmt = (
        select(Bid, User.handle)
        .join(User, User.id == Bid.bidder_id)
        .where(Bid.auction_id == auction_id, Bid.id > after)
        .order_by(Bid.id)
        .limit(limit)
    )
    return [(bid, handle) for bid, handle in (await session.execute(stmt)).all()]


async def _banned(session: AsyncSession, show_id: int, user_id: int, now: datetime) -> bool:
    stmt = select(RoomSanction.until).where(
        RoomSanction.show_id == show_id,
        RoomSanction.user_id == user_id,
        RoomSanction.kind == "ban",
    )
    return any(until is None or until > now for until in (await session.execute(stmt)).scalars())


async def check_bid(
    session: AsyncSession, auction: Auction, bidder: User, amount: int, ceiling: int, now: datetime
) -> str | None:
    """Why this bid cannot stand, or None. Caller holds the auction row lock."""
    if auction.status != AuctionStatus.open:
        return "auction_closed"
    if now < auction.opens_at:
        return "auction_not_open"
    if now >= auction.ends_at:
        return "auction_ended"
    if amount < 1 or ceiling < amount:
        return "invalid_amount"
    show = await shows.get(session=session, show_id=auction.show_id)
    if bidder.id in (auction.created_by, show.host_id) or await catalog.is_member(
        session=session, user=bidder, shop_id=auction.shop_id
    ):
        return "own_auction"
    if await is_show_staff(session=session, user=bidder, show=show):
        return "show_staff"
    try:  # the shop may have revoked the host's allowance since the auction opened
        await shows.check_shop_sells(
            session=session, actor=None, show=show, shop_id=auction.shop_id,
            product_id=auction.product_id,
        )  # fmt: skip
    except Problem as exc:
        return exc.code
    if bidder.banned_at is not None or await _banned(session, show.id, bidder.id, now):
        return "banned"
    # No check of the profile's market, which anyone can change: the winner's order ships
    # only to an address in the auction's market (`set_winner_address`).
    if auction.leader_id == bidder.id:
        return "already_leading" if ceiling <= (auction.leader_max or 0) else None
    if amount < min_bid(auction):
        return "below_minimum"
    return None


async def _forget_old_refusals(session: AsyncSession, auction_id: int) -> None:
    """Keep only the latest refused bids of an auction: enough to audit what a bidder saw,
    while a flood of refusals (paced per user, but from many users) cannot grow the table.
    Caller holds the auction row lock."""
    refused = (Bid.auction_id == auction_id) & Bid.accepted.is_(False)
    oldest_kept = (
        select(Bid.id).where(refused).order_by(Bid.id.desc()).offset(KEEP_REFUSED - 1).limit(1)
    ).scalar_subquery()
    await session.execute(delete(Bid).where(refused, Bid.id < oldest_kept))


async def place_bid(
    *,
    session: AsyncSession,
    bidder: User,
    auction_id: int,
    amount: int,
    max_amount: int | None,
    via: str,
) -> Bid:
    """Bid on an auction; the stored Bid says whether it stood and why not.

    A rejected bid is returned (and kept for audit), not raised, so callers must commit
    either way. eBay-style proxy bidding: the leader's `max_amount` answers a challenger
    with the smallest increment above them, up to that max; on equal maxima the earlier
    bid leads. A bid in the last `anti_snipe_seconds` pushes the end to now + that many
    seconds, unless the auction is sudden death.
    """
    if via not in VIAS:
        raise ValueError(f"unknown bid channel {via!r}")
    auction = await get(session=session, auction_id=auction_id, for_update=True)
    now = utcnow()
    ceiling = max(amount, max_amount or amount)
    bid = Bid(
        auction_id=auction.id,
        bidder_id=bidder.id,
        amount=amount,
        max_amount=ceiling,
        accepted=False,
        via=via,
        created_at=now,
    )
    session.add(bid)
    bid.reason = await check_bid(session, auction, bidder, amount, ceiling, now)
    if bid.reason is not None:
        await session.flush()
        await _forget_old_refusals(session, auction.id)
        return bid
    bid.accepted = True
    await session.flush()

    if auction.leader_id == bidder.id:
        # Raising one's own max never raises one's own price, nor tells the room.
        auction.leader_max = ceiling
        bid.reason = "max_raised"
        await session.flush()
        return bid

    if auction.leader_id is None or auction.leader_max is None:
        _lead(auction, bid, price=amount)
    elif ceiling > auction.leader_max:
        rival = auction.leader_max
        price = max(amount, min(ceiling, rival + increment_at(auction.increments, rival)))
        _lead(auction, bid, price=price)
    else:
        # The standing max answers; on a tie the earlier bid keeps the lead.
        price = min(auction.leader_max, ceiling + increment_at(auction.increments, ceiling))
        auction.current_price = price
        bid.reason = "outbid_by_proxy"
    if auction.current_price != amount or bid.reason == "outbid_by_proxy":
        session.add(
            Bid(
                auction_id=auction.id,
                bidder_id=auction.leader_id,
                amount=auction.current_price,
                max_amount=auction.leader_max,
                accepted=True,
                reason="proxy",
                via="proxy",
                created_at=now,
            )
        )
    extended = False
    window = timedelta(seconds=auction.anti_snipe_seconds)
    if not auction.sudden_death and auction.ends_at - now < window:
        auction.ends_at = now + window
        extended = True
    await session.flush()
    await _announce_bid(session, auction, extended=extended)
    return bid


def _lead(auction: Auction, bid: Bid, *, price: int) -> None:
    auction.leader_id = bid.bidder_id
    auction.leader_max = bid.max_amount
    auction.leader_bid_id = bid.id
    auction.current_price = price


async def _announce_bid(session: AsyncSession, auction: Auction, *, extended: bool) -> None:
    uow = unit_of_work.of(session)
    assert auction.current_price is not None
    send_room_event(
        uow,
        auction.show_id,
        AuctionBidEvent(
            auction_id=auction.id,
            currency=auction.currency,
            current_price=auction.current_price,
            min_bid=min_bid(auction),
            leader=await handle_of(session, auction.leader_id) or "",
            ends_at=auction.ends_at,
        ),
    )
    if extended:
        send_room_event(
            uow,
            auction.show_id,
            AuctionExtendedEvent(auction_id=auction.id, ends_at=auction.ends_at),
        )


def _provisional_address(winner: User, market_code: str) -> dict[str, Any]:
    """The winner gives the real address afterwards (`set_winner_address`), before paying."""
    return {
        "name": winner.display_name[:120] or winner.handle,
        "line1": "Address to follow",
        "city": winner.city or "To follow",
        "postcode": "TBC",
        "country": market_code,
        "provisional": True,
    }


async def _winner_order(
    session: AsyncSession, auction: Auction, winner: User, hold_minutes: float
) -> Order:
    """The lot reserved at opening moves straight into the order, at the hammer price."""
    assert auction.current_price is not None
    show = await shows.get(session=session, show_id=auction.show_id)
    variant = await catalog.get_variant(session=session, variant_id=auction.variant_id)
    order = await orders.place_reserved(
        session=session,
        buyer=winner,
        market_code=auction.market_code,
        address=None,  # it follows: the order cannot be paid until the winner gives it
        variant=variant,
        quantity=1,
        unit_price=auction.current_price,
        hold_minutes=hold_minutes,
        source={
            "channel": "live",
            "show_id": show.id,
            "host_id": show.host_id,
            "auction_id": auction.id,
        },
    )
    order.address = _provisional_address(winner, auction.market_code)
    orders.record(session, order, "auction_won", actor=None, auction_id=auction.id)
    await session.flush()
    return order


async def close(*, session: AsyncSession, auction_id: int, hold_minutes: float) -> bool:
    """End a due auction and give the winner a pending order; False when not due (yet)."""
    auction = await get(session=session, auction_id=auction_id, for_update=True)
    if auction.status != AuctionStatus.open or auction.ends_at > utcnow():
        return False
    auction.status = AuctionStatus.ended.value
    winner = await session.get(User, auction.leader_id) if auction.leader_id else None
    order: Order | None = None
    if winner is not None:
        try:
            async with session.begin_nested():
                order = await _winner_order(session, auction, winner, hold_minutes)
        except Problem as exc:  # e.g. the winner was banned or the market switched off
            log.warning("auction %s: no order for the winner: %s", auction.id, exc.code)
    if order is None:
        await stock.release(session, variant_id=auction.variant_id, quantity=1)
    else:
        auction.winner_order_id = order.id
    await session.flush()
    send_room_event(
        unit_of_work.of(session),
        auction.show_id,
        AuctionEndedEvent(
            auction_id=auction.id,
            currency=auction.currency,
            winner=winner.handle if winner else None,
            price=auction.current_price if winner else None,
        ),
    )
    return True


async def set_winner_address(
    *, session: AsyncSession, winner: User, auction_id: int, address: Address
) -> Order:
    """The winner's shipping address; US sales tax follows the destination state."""
    auction = await get(session=session, auction_id=auction_id)
    if auction.winner_order_id is None or auction.leader_id != winner.id:
        raise forbidden("Only the auction's winner can do that.")
    order = await orders.get_as_buyer(
        session=session, actor=winner, order_id=auction.winner_order_id
    )
    if order.status != OrderStatus.pending_payment:
        raise Problem(
            409,
            "order_not_pending",
            "The order is {status} already.",
            values={"status": order.status},
        )
    if address.country != order.market_code:
        raise Problem(
            422,
            "address_outside_market",
            "This order ships to addresses in {market_code}.",
            values={"market_code": order.market_code},
        )
    market = await markets.get(session=session, code=order.market_code)
    rate = rate_for(
        market_code=market.code, market_rate_bp=market.tax_rate_bp, region=address.region
    )
    for line in order.lines:
        line.tax_rate_bp = rate
        pricing.set_line_amount(
            line, amount=line.unit_price * line.quantity, inclusive=market.prices_include_tax
        )
    pricing.retotal(order)
    order.address = address.model_dump()
    orders.record(session, order, "address_set", actor=winner)
    await session.flush()
    return order
