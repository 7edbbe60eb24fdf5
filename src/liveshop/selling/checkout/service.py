"""Checkout and buy-now: place the orders, credit the show that sold them, apply coupons."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.live.shows import service as shows
from liveshop.markets.rollout import service as rollout
from liveshop.orders import service as orders
from liveshop.orders.models import Order
from liveshop.orders.schemas import BuyNowIn, CheckoutIn
from liveshop.selling import attribution, pricing
from liveshop.settings import Settings


async def checkout(
    *, session: AsyncSession, buyer: User, data: CheckoutIn, settings: Settings
) -> list[Order]:
    """The market's cart becomes one order per shop, its stock held, its coupons applied."""
    cart = await orders.get_cart(session=session, buyer=buyer, market=data.market)
    source = await shows.attribution(
        session=session, show_id=data.show_id, variant_ids=[i.variant_id for i in cart.items]
    )
    placed = await orders.checkout(
        session=session,
        buyer=buyer,
        market_code=data.market,
        address=data.address,
        hold_minutes=settings.hold_minutes,
        source=source if "show_id" in source else None,
        limits=orders.BuyerLimits.of(settings),
    )
    await _require_rollout(session, buyer, data.market, placed)
    await pricing.apply_coupons(
        session=session, buyer=buyer, orders=placed, codes=data.coupons, show_id=data.show_id
    )
    await attribution.attribute(session=session, buyer=buyer, placed=placed, source=source)
    return placed


async def _require_rollout(
    session: AsyncSession, buyer: User, market: str, placed: list[Order]
) -> None:
    """Bought in a live show, live shopping must be open; otherwise the Shop tab. In a pilot,
    the buyer and every shop sold from must be admitted. A refusal rolls the orders back."""
    feature = "live" if all(o.source.get("show_id") for o in placed) else "shop_tab"
    await rollout.require(
        session, market=market, feature=feature, shop_ids=[o.shop_id for o in placed],
        buyer_id=buyer.id,
    )  # fmt: skip


async def buy_now(
    *, session: AsyncSession, buyer: User, data: BuyNowIn, settings: Settings
) -> list[Order]:
    """One variant ordered straight away, skipping the cart."""
    source = await shows.attribution(
        session=session, show_id=data.show_id, variant_ids=[data.variant_id]
    )
    placed = await orders.place(
        session=session,
        buyer=buyer,
        market_code=data.market,
        address=data.address,
        items=[orders.Wanted(data.variant_id, data.quantity)],
        hold_minutes=settings.hold_minutes,
        source=source,
        limits=orders.BuyerLimits.of(settings),
    )
    await _require_rollout(session, buyer, data.market, placed)
    await pricing.apply_coupons(
        session=session, buyer=buyer, orders=placed, codes=data.coupons, show_id=data.show_id
    )
    await attribution.attribute(session=session, buyer=buyer, placed=placed, source=source)
    return placed
