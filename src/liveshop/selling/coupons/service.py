"""LIVE coupons: created for a show, claimed while it is live, spent at checkout.

A claim takes one unit of the quota with a conditional UPDATE (`claimed + 1 WHERE claimed <
quota`), which also locks the coupon row until commit on PostgreSQL; the buyer's own claims
are counted after it, in the same transaction, so neither the quota nor the per-buyer limit
can be overrun by concurrent claims. Checkout spends a claim through `pricing.apply_coupons`.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.accounts.models import Follow, Role, User
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Product, Variant, VariantPrice
from liveshop.errors import Problem, forbidden, not_found
from liveshop.live.room.events import send_room_event
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show, ShowProduct
from liveshop.markets import service as markets
from liveshop.selling.coupons.events import CouponClaimedEvent, CouponOpenedEvent
from liveshop.selling.coupons.models import Coupon, CouponClaim, WatchTime
from liveshop.selling.coupons.schemas import CouponCreate
from liveshop.selling.promotions import live_show


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def _shop_sells_in_show(session: AsyncSession, show: Show, shop_id: int) -> bool:
    if show.shop_id == shop_id:
        return True
    stmt = (
        select(ShowProduct.id)
        .join(Product, Product.id == ShowProduct.product_id)
        .where(ShowProduct.show_id == show.id, Product.shop_id == shop_id)
    )
    return (await session.execute(stmt)).first() is not None


async def _check_floors(
    session: AsyncSession, show: Show, shop_id: int, data: CouponCreate
) -> None:
    """A creator's coupon must keep every product of the shop in the show above its floor."""
    stmt = (
        select(Variant.product_id, func.min(VariantPrice.amount))
        .join(VariantPrice, VariantPrice.variant_id == Variant.id)
        .join(ShowProduct, ShowProduct.product_id == Variant.product_id)
        .join(Product, Product.id == Variant.product_id)
        .where(
            ShowProduct.show_id == show.id,
            Product.shop_id == shop_id,
            VariantPrice.market_code == data.market,
        )
        .group_by(Variant.product_id)
        .limit(500)
    )
    for product_id, list_price in (await session.execute(stmt)).all():
        if data.kind == "percent":
            price = int(list_price) * (10_000 - data.value) // 10_000
        else:
            price = max(0, int(list_price) - data.value)
        await shows.check_price_floor(
            session=session, show=show, product_id=product_id, list_price=int(list_price),
            price=price,
        )  # fmt: skip


async def create(*, session: AsyncSession, actor: User, show_id: int, data: CouponCreate) -> Coupon:
    """Admins fund platform coupons; the host or a shop's seller funds a seller coupon."""
    show = await live_show(session=session, show_id=show_id)
    shop_id = data.shop_id if data.shop_id is not None else show.shop_id
    if actor.has_role(Role.admin):
        funded_by = "platform"
    else:
        funded_by = "seller"
        if shop_id is None:
            raise Problem(422, "shop_required", "Say which shop funds this coupon (shop_id).")
        if actor.id != show.host_id and not await catalog.is_member(
            session=session, user=actor, shop_id=shop_id
        ):
            raise forbidden("Only the host or the shop's sellers can create its coupons.")
    if shop_id is not None:
        await shows.check_shop_sells(session=session, actor=actor, show=show, shop_id=shop_id)
        if not await _shop_sells_in_show(session, show, shop_id):
            raise Problem(409, "shop_not_in_show", "That shop sells nothing in this show.")
        if funded_by == "seller":
            await _check_floors(session, show, shop_id, data)
    if show.markets and data.market not in show.markets:
        raise Problem(
            409,
            "market_not_in_show",
            "This show does not sell in {market}.",
            values={"market": data.market},
        )
    await markets.get(session=session, code=data.market)
    coupon = Coupon(
        show_id=show.id,
        shop_id=shop_id,
        created_by=actor.id,
        code=data.code,
        funded_by=funded_by,
        kind=data.kind,
        value=data.value,
        market_code=data.market,
        min_spend=data.min_spend,
        quota=data.quota,
        claimed=0,
        per_buyer=data.per_buyer,
        unlock=data.unlock,
        unlock_minutes=data.unlock_minutes,
        stackable=data.stackable,
    )
    try:
        async with session.begin_nested():
            session.add(coupon)
            await session.flush()
    except IntegrityError as exc:
        raise Problem(
            409, "coupon_code_taken", "Code {code} exists in this show.", values={"code": data.code}
        ) from exc
    market = await markets.get(session=session, code=coupon.market_code)
    send_room_event(
        unit_of_work.of(session),
        show.id,
        CouponOpenedEvent(
            code=coupon.code,
            kind=coupon.kind,
            value=coupon.value,
            currency=market.currency,
            min_spend=coupon.min_spend,
            remaining=coupon.quota,
            unlock=coupon.unlock,
            unlock_minutes=coupon.unlock_minutes,
            funded_by=coupon.funded_by,
        ),
    )
    return coupon


async def get_by_code(*, session: AsyncSession, show_id: int, code: str) -> Coupon:
    stmt = (
        select(Coupon)
        .where(Coupon.show_id == show_id, Coupon.code == code.strip().upper())
        .execution_options(populate_existing=True)
    )
    coupon = (await session.execute(stmt)).scalar_one_or_none()
    if coupon is None:
        raise not_found("coupon", code)
    return coupon


async def list_(*, session: AsyncSession, show_id: int) -> list[Coupon]:
    stmt = select(Coupon).where(Coupon.show_id == show_id).order_by(Coupon.id)
    return list((await session.execute(stmt)).scalars())


async def claims_of(*, session: AsyncSession, coupon_id: int, user_id: int) -> int:
    stmt = select(func.count()).where(
        CouponClaim.coupon_id == coupon_id, CouponClaim.user_id == user_id
    )
    return int((await session.execute(stmt)).scalar_one())


# --- unlocking -------------------------------------------------------------------------------


async def record_watch(*, session: AsyncSession, show_id: int, user_id: int, seconds: int) -> int:
    """Add watched seconds (the room calls this); returns the viewer's total for the show."""
    if seconds <= 0:
        raise ValueError("seconds must be positive")
    bump = (
        update(WatchTime)
        .where(WatchTime.show_id == show_id, WatchTime.user_id == user_id)
        .values(seconds=WatchTime.seconds + seconds)
        .execution_options(synchronize_session=False)
    )
    total = select(WatchTime.seconds).where(
        WatchTime.show_id == show_id, WatchTime.user_id == user_id
    )
    if _rowcount(await session.execute(bump)) == 1:
        return int((await session.execute(total)).scalar_one())
    try:
        async with session.begin_nested():
            session.add(WatchTime(show_id=show_id, user_id=user_id, seconds=seconds))
            await session.flush()
    except IntegrityError:
        await session.execute(bump)  # another tab inserted the row first
        return int((await session.execute(total)).scalar_one())
    return seconds


async def check_still_funded(*, session: AsyncSession, coupon: Coupon, show: Show) -> None:
    """A shop-funded coupon works only while the shop still lets the host sell its goods."""
    if coupon.funded_by == "seller" and coupon.shop_id is not None:
        await shows.check_shop_sells(session=session, actor=None, show=show, shop_id=coupon.shop_id)


async def check_unlocked(*, session: AsyncSession, coupon: Coupon, show: Show, user: User) -> None:
    if coupon.unlock == "follow_host":
        stmt = select(Follow.id).where(
            Follow.user_id == user.id,
            Follow.target_kind == "creator",
            Follow.target_id == show.host_id,
        )
        if (await session.execute(stmt)).first() is None:
            raise Problem(403, "coupon_locked", "Follow the host to unlock this coupon.")
    elif coupon.unlock == "watch_minutes":
        stmt = select(WatchTime.seconds).where(
            WatchTime.show_id == show.id, WatchTime.user_id == user.id
        )
        watched = (await session.execute(stmt)).scalar_one_or_none() or 0
        if watched < coupon.unlock_minutes * 60:
            raise Problem(
                403,
                "coupon_locked",
                "Watch {unlock_minutes} minutes of the show to unlock this coupon.",
                values={"unlock_minutes": coupon.unlock_minutes},
                watched_seconds=watched,
            )


# --- claiming --------------------------------------------------------------------------------


async def claim(*, session: AsyncSession, user: User, show_id: int, code: str) -> CouponClaim:
    show = await live_show(session=session, show_id=show_id)
    coupon = await get_by_code(session=session, show_id=show.id, code=code)
    # No market check here: the profile's market is whatever the buyer typed. The coupon
    # discounts only an order delivered in its market (`pricing`), checked on the address.
    await check_still_funded(session=session, coupon=coupon, show=show)
    await check_unlocked(session=session, coupon=coupon, show=show, user=user)
    taken = await session.execute(
        update(Coupon)
        .where(Coupon.id == coupon.id, Coupon.claimed < Coupon.quota)
        .values(claimed=Coupon.claimed + 1)
        .execution_options(synchronize_session=False)
    )
    if _rowcount(taken) != 1:
        raise Problem(
            409,
            "coupon_exhausted",
            "Coupon {code} has all been claimed.",
            values={"code": coupon.code},
        )
    # Counted after the UPDATE: on PostgreSQL a concurrent claim by the same buyer waits on
    # the coupon row lock and then sees this one, so the limit holds without a unique key.
    if await claims_of(session=session, coupon_id=coupon.id, user_id=user.id) >= coupon.per_buyer:
        raise Problem(
            409,
            "coupon_limit_reached",
            "You can claim coupon {code} {per_buyer} time(s).",
            values={"code": coupon.code, "per_buyer": coupon.per_buyer},
        )
    row = CouponClaim(coupon_id=coupon.id, user_id=user.id)
    session.add(row)
    await session.flush()
    await session.refresh(coupon, ["claimed"])
    send_room_event(
        unit_of_work.of(session),
        show.id,
        CouponClaimedEvent(code=coupon.code, remaining=coupon.quota - coupon.claimed),
    )
    return row
