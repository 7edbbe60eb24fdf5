"""Flash deals: the host opens one on a show's product; viewers race to buy it.

Lifecycle: scheduled (counting down) -> open -> ended. A deal's units are taken from the
variant when it is created, sold at the deal price while it is open, and whatever is left
(neither sold nor held) goes back to the variant when it ends.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import and_, exists, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from liveshop.accounts.models import Role, User
from liveshop.analytics.ingest import recorder as analytics
from liveshop.broker import Broker
from liveshop.catalog import locks as variant_stock
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Variant, VariantPrice
from liveshop.db import Database, utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.idempotency import IdempotencyRecord
from liveshop.live.room.events import send_room_event
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show, ShowProduct, ShowStatus
from liveshop.markets.models import Market
from liveshop.markets.money import format_in_market
from liveshop.markets.rollout import service as rollout
from liveshop.markets.seed import MARKETS
from liveshop.orders import service as orders
from liveshop.orders.models import Hold, Order
from liveshop.selling import attribution
from liveshop.selling.deals import events as deal_events
from liveshop.selling.deals import locks as deal_locks
from liveshop.selling.deals.events import DealEndedEvent, DealOpenedEvent, DealScheduledEvent
from liveshop.selling.deals.models import DealBuyer, DealStatus, FlashDeal
from liveshop.selling.deals.schemas import DealBuy, DealCreate, DealPrice, DealPublic
from liveshop.uow import UnitOfWork

CURRENCY = {m["code"]: m["currency"] for m in MARKETS}


async def public(session: AsyncSession, deal: FlashDeal) -> DealPublic:
    variant = await catalog.get_variant(session=session, variant_id=deal.variant_id)
    regular = {p.market_code: p.amount for p in variant.prices}
    prices = []
    for market, amount in sorted(deal.prices.items()):
        cur = CURRENCY[market]
        reg = regular.get(market)
        prices.append(
            DealPrice(
                market=market,
                amount=amount,
                formatted=format_in_market(amount, cur, market),
                regular=reg,
                regular_formatted=format_in_market(reg, cur, market) if reg is not None else None,
            )
        )
    return DealPublic(
        id=deal.id,
        show_id=deal.show_id,
        product_id=deal.product_id,
        variant_id=deal.variant_id,
        title=variant.product.title,
        prices=prices,
        stock=deal.stock,
        left=deal.stock - deal.sold - deal.held,
        per_buyer_limit=deal.per_buyer_limit,
        opens_at=deal.opens_at,
        ends_at=deal.ends_at,
        status=deal.status,
    )


async def create(*, uow: UnitOfWork, actor: User, show_id: int, data: DealCreate) -> FlashDeal:
    """Carve `stock` units out of the variant and schedule the deal after its countdown."""
    session = uow.session
    show = await shows.get(session=session, show_id=show_id)
    if show.host_id != actor.id and not actor.has_role(Role.admin):
        raise forbidden("Only the show's host can open a flash deal.")
    if show.status not in (ShowStatus.live, ShowStatus.scheduled):
        raise Problem(
            409,
            "show_not_active",
            "A {status} show cannot run deals.",
            values={"status": show.status},
        )
    variant = await catalog.get_variant(session=session, variant_id=data.variant_id)
    await shows.check_sellable(session=session, actor=actor, show=show, product=variant.product)
    in_show = select(ShowProduct.id).where(
        ShowProduct.show_id == show.id, ShowProduct.product_id == variant.product_id
    )
    if (await session.execute(in_show)).first() is None:
        raise Problem(409, "product_not_in_show", "Add the product to the show before a deal.")
    regular = {p.market_code: p.amount for p in variant.prices}
    for market, amount in data.prices.items():
        if market not in regular:
            raise Problem(
                422,
                "not_sold_in_market",
                "The product has no price in {market}.",
                values={"market": market},
            )
        await rollout.require(
            session, market=market, feature="live", shop_id=variant.shop_id,
            creator_id=show.host_id,
        )  # fmt: skip
        if amount > regular[market]:
            raise Problem(
                422,
                "deal_price_above_regular",
                "The {market} deal price is above the regular price.",
                values={"market": market},
            )
        await shows.check_price_floor(
            session=session, show=show, product_id=variant.product_id,
            list_price=regular[market], price=amount,
        )  # fmt: skip
    if not await variant_stock.reserve(session, variant_id=variant.id, quantity=data.stock):
        raise Problem(
            409,
            "out_of_stock",
            "Fewer than {stock} units are free for this deal.",
            values={"stock": data.stock},
        )
    opens = utcnow() + timedelta(seconds=data.countdown_seconds)
    deal = FlashDeal(
        show_id=show.id,
        shop_id=variant.shop_id,
        product_id=variant.product_id,
        variant_id=variant.id,
        created_by=actor.id,
        prices=dict(data.prices),
        stock=data.stock,
        per_buyer_limit=data.per_buyer_limit,
        opens_at=opens,
        ends_at=opens + timedelta(seconds=data.duration_seconds),
        status=DealStatus.scheduled.value,
    )
    session.add(deal)
    await session.flush()
    send_room_event(uow, show.id, DealScheduledEvent(deal=await public(session, deal)))
    return deal


async def get(*, session: AsyncSession, deal_id: int) -> FlashDeal:
    deal = await session.get(FlashDeal, deal_id, populate_existing=True)
    if deal is None:
        raise not_found("deal", deal_id)
    return deal


async def list_for_show(*, session: AsyncSession, show_id: int) -> list[FlashDeal]:
    stmt = select(FlashDeal).where(FlashDeal.show_id == show_id).order_by(FlashDeal.id)
    return list((await session.execute(stmt)).scalars())


async def gate_state(*, session: AsyncSession, deal_id: int) -> tuple[int, bool]:
    """What the sold-out gate starts from: units left, and whether no unit was ever held."""
    deal = await get(session=session, deal_id=deal_id)
    held_before = await session.scalar(select(exists().where(Hold.deal_id == deal_id)))
    return max(deal.stock - deal.sold - deal.held, 0), not held_before


def _check_window(deal: FlashDeal) -> None:
    now = utcnow()
    if (
        deal.status == DealStatus.cancelled
        or now >= deal.ends_at
        or deal.status == DealStatus.ended
    ):
        raise Problem(409, "deal_ended", "This deal has ended.")
    if now < deal.opens_at:
        raise Problem(
            409,
            "deal_not_open",
            "This deal has not opened yet.",
            opens_at=deal.opens_at.isoformat(),
        )


def _check_offer(deal: FlashDeal, data: DealBuy) -> int:
    """Refuse what this deal can never sell; the deal's price in the buyer's market."""
    _check_window(deal)
    price = deal.prices.get(data.market)
    if price is None:
        raise Problem(
            409,
            "not_sold_in_market",
            "This deal is not offered in {market}.",
            values={"market": data.market},
        )
    if data.quantity > deal.per_buyer_limit:
        raise Problem(
            409,
            "buyer_limit_reached",
            "At most {per_buyer_limit} per buyer; asked for {quantity}.",
            values={"per_buyer_limit": deal.per_buyer_limit, "quantity": data.quantity},
        )
    return int(price)


def check_loaded(deal: FlashDeal | None, bought: int, *, deal_id: int, data: DealBuy) -> int:
    """`check_buy` on a deal row (and the buyer's units in it) that the caller just read."""
    if deal is None:
        raise not_found("deal", deal_id)
    _check_offer(deal, data)
    room = deal.per_buyer_limit - bought
    if data.quantity > room:
        raise Problem(
            409,
            "buyer_limit_reached",
            "At most {per_buyer_limit} per buyer.",
            values={"per_buyer_limit": deal.per_buyer_limit},
        )
    return room


async def look(
    *, session: AsyncSession, buyer: User, deal_id: int, key: str | None
) -> tuple[FlashDeal | None, int, IdempotencyRecord | None]:
    """What a buy attempt starts from, in one round trip: the deal, the units the buyer holds
    or bought in it, and the record of the buyer's `key` (if any; a replay is answered
    from it before anything else)."""
    # From a one-row table, so that a missing deal still tells whether the key was used.
    one = select(literal(1).label("one")).subquery()
    stmt = (
        select(FlashDeal, DealBuyer.units, *([IdempotencyRecord] if key is not None else []))
        .select_from(one)
        .outerjoin(FlashDeal, FlashDeal.id == deal_id)
        .outerjoin(
            DealBuyer, and_(DealBuyer.deal_id == FlashDeal.id, DealBuyer.buyer_id == buyer.id)
        )
    )
    if key is not None:
        stmt = stmt.outerjoin(
            IdempotencyRecord,
            and_(IdempotencyRecord.user_id == buyer.id, IdempotencyRecord.key == key),
        )
    row = (await session.execute(stmt.execution_options(populate_existing=True))).one()
    return row[0], int(row[1] or 0), row[2] if key is not None else None


async def check_buy(*, session: AsyncSession, buyer: User, deal_id: int, data: DealBuy) -> int:
    """Refuse, before the sold-out gate, a purchase the database would refuse anyway.

    Returns how many units the buyer may still take. A refused attempt then costs one read
    and never touches the gate, so an account looping hopeless requests cannot hold units
    that other buyers are waiting for (`buy` checks all of this again, under its writes).
    """
    deal, bought, _ = await look(session=session, buyer=buyer, deal_id=deal_id, key=None)
    return check_loaded(deal, bought, deal_id=deal_id, data=data)


async def _context(
    session: AsyncSession, deal: FlashDeal, market: str
) -> tuple[Variant, int | None, Show, bool, Market | None] | None:
    """Everything else a purchase reads, in one round trip: the variant with its product and
    regular price in `market`, the show, whether the host may sell the shop's goods (the
    common case of live.service.check_shop_sells), and the market. None if the variant or the
    show is gone (the caller then takes the long way, which says which)."""
    stmt = (
        select(
            Variant,
            VariantPrice.amount,
            Show,
            shows.buyable(shop_id=deal.shop_id, host_id=Show.host_id, product_id=deal.product_id),
            Market,
        )
        .join(Variant.product)
        .options(contains_eager(Variant.product))
        .outerjoin(
            VariantPrice,
            and_(VariantPrice.variant_id == Variant.id, VariantPrice.market_code == market),
        )
        .join(Show, Show.id == deal.show_id)
        .outerjoin(Market, Market.code == market.upper())
        .where(Variant.id == deal.variant_id)
        .execution_options(populate_existing=True)
    )
    row = (await session.execute(stmt)).first()
    if row is None:
        return None
    variant, regular, show, fine, market_row = row
    return variant, regular, show, bool(fine), market_row


async def buy(
    *,
    session: AsyncSession,
    buyer: User,
    deal_id: int,
    data: DealBuy,
    hold_minutes: float,
    deal: FlashDeal | None = None,
) -> Order:
    """Place a pending order at the deal price; `take_units` then holds the units.

    `deal`: the deal's row if the caller read it in this transaction (`look`); its window is
    checked again here, and `take_units` refuses a deal that ended since.
    """
    if deal is None:
        deal = await get(session=session, deal_id=deal_id)
    price = _check_offer(deal, data)
    if not await deal_locks.count_buyer(
        session,
        deal_id=deal.id,
        buyer_id=buyer.id,
        quantity=data.quantity,
        limit=deal.per_buyer_limit,
    ):
        raise Problem(
            409,
            "buyer_limit_reached",
            "At most {per_buyer_limit} per buyer.",
            values={"per_buyer_limit": deal.per_buyer_limit},
        )
    found = await _context(session, deal, data.market)
    market: Market | None = None
    if found is None:
        variant = await catalog.get_variant(session=session, variant_id=deal.variant_id)
        regular = next((p.amount for p in variant.prices if p.market_code == data.market), price)
        show = await shows.get(session=session, show_id=deal.show_id)
        fine = False
    else:
        variant, amount, show, fine, market = found
        regular = price if amount is None else int(amount)
    if not fine:
        # A deal opened before the shop revoked the host (or lost its verification) stops too.
        await shows.check_shop_sells(
            session=session, actor=None, show=show, shop_id=deal.shop_id,
            product_id=deal.product_id,
        )  # fmt: skip
    await rollout.require(
        session, market=data.market, feature="live", shop_id=deal.shop_id, buyer_id=buyer.id
    )
    order = await orders.place_reserved(
        session=session,
        buyer=buyer,
        market_code=data.market,
        address=data.address,
        variant=variant,
        quantity=data.quantity,
        unit_price=price,
        hold_minutes=hold_minutes,
        source={"channel": "live", "show_id": show.id, "host_id": show.host_id, "deal_id": deal.id},
        deal_id=deal.id,
        discounts=[
            {
                "kind": "flash_deal",
                "id": deal.id,
                "amount": (regular - price) * data.quantity,
                "funded_by": "seller",
            }
        ],
        market=market,
    )
    if not await catalog.is_member(
        session=session, user=await _host(session, show), shop_id=deal.shop_id
    ):  # a creator's deal of another shop's product: credit the creator (affiliates)
        await attribution.credit_show(
            session=session, buyer=buyer, order=order, show_id=show.id, host_id=show.host_id
        )
    return order


async def _host(session: AsyncSession, show: Show) -> User:
    host = await session.get(User, show.host_id)
    assert host is not None  # a foreign key
    return host


async def take_units(*, session: AsyncSession, order: Order, quantity: int) -> None:
    """The last step of a deal purchase: hold the units on the deal's row, or roll back.

    Every buyer of the deal updates this one row, so it stays locked from here to the commit:
    call it after every other statement of the transaction, the response included.
    """
    deal_id, show_id = order.source["deal_id"], order.source["show_id"]
    left = await deal_locks.hold_units(session, deal_id=deal_id, quantity=quantity)
    if left is None:
        raise Problem(409, "sold_out", "Sold out — every unit is taken or held.")
    deal_events.units_left(session, show_id=show_id, deal_id=deal_id, left=left)


# --- the clock: open after the countdown, end after the duration --------------------------


async def advance(db: Database, broker: Broker) -> int:
    """Open deals whose countdown ran out and end those whose time is up (safe on many workers)."""
    now, changed = utcnow(), 0
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        running = [DealStatus.scheduled.value, DealStatus.open.value]
        stmt = select(FlashDeal.id).where(
            or_(
                and_(FlashDeal.status == DealStatus.scheduled.value, FlashDeal.opens_at <= now),
                and_(FlashDeal.status.in_(running), FlashDeal.ends_at <= now),
            )
        )
        due = list((await uow.session.execute(stmt)).scalars())
    for deal_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            deal = (
                await uow.session.execute(
                    select(FlashDeal)
                    .where(FlashDeal.id == deal_id)
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).scalar_one()
            if deal.status == DealStatus.scheduled and deal.opens_at <= now < deal.ends_at:
                deal.status = DealStatus.open.value
                uow.on_commit(analytics.later("deal", show_id=deal.show_id, id=f"deal{deal.id}"))
                send_room_event(
                    uow, deal.show_id, DealOpenedEvent(deal=await public(uow.session, deal))
                )
            elif deal.status in (DealStatus.scheduled, DealStatus.open) and deal.ends_at <= now:
                deal.status = DealStatus.ended.value
                await deal_locks.release_leftovers(uow.session, deal_id=deal.id)
                send_room_event(uow, deal.show_id, DealEndedEvent(deal_id=deal.id, sold=deal.sold))
            else:
                continue
            await uow.commit()
            changed += 1
    return changed
