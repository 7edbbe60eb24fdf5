"""Orders: carts, placing orders with stock holds, reading orders, the audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop import bus
from liveshop.accounts.models import Role, User
from liveshop.catalog import locks as stock
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Product, ProductStatus, Variant, VariantPrice
from liveshop.db import utcnow
from liveshop.errors import Problem, forbidden, not_found
from liveshop.markets import service as markets
from liveshop.markets.models import Market
from liveshop.markets.tax import line_tax, rate_for
from liveshop.orders.messages import OrderChanged
from liveshop.orders.models import (
    Cart,
    CartItem,
    Hold,
    HoldStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
)
from liveshop.orders.schemas import Address, CartItemIn
from liveshop.settings import Settings

# --- the audit trail -------------------------------------------------------------------


def record(
    session: AsyncSession,
    order: Order,
    kind: str,
    *,
    actor: User | None = None,
    to_status: str | None = None,
    **data: Any,
) -> None:
    """Move `order` to `to_status` (if given) and write the audit event for it."""
    event = OrderEvent(
        order_id=order.id,
        kind=kind,
        from_status=order.status if to_status else None,
        to_status=to_status,
        actor_id=actor.id if actor else None,
        data=data,
    )
    if to_status:
        order.status = to_status
    session.add(event)
    bus.collect(
        session,
        OrderChanged(
            order_id=order.id,
            kind=kind,
            from_status=event.from_status,
            to_status=to_status,
            actor_id=event.actor_id,
            data=data,
        ),
    )


# --- carts -----------------------------------------------------------------------------


async def get_cart(*, session: AsyncSession, buyer: User, market: str) -> Cart:
    stmt = (
        select(Cart)
        .where(Cart.buyer_id == buyer.id, Cart.market_code == market)
        .options(selectinload(Cart.items))
        .execution_options(populate_existing=True)
    )
    cart = (await session.execute(stmt)).scalar_one_or_none()
    if cart is None:
        cart = Cart(buyer_id=buyer.id, market_code=market, items=[])
        session.add(cart)
        await session.flush()
    return cart


async def _sellable(
    session: AsyncSession, variant_id: int, market: str
) -> tuple[Variant, VariantPrice]:
    variant = await catalog.get_variant(session=session, variant_id=variant_id)
    if variant.product.status != ProductStatus.active:
        raise Problem(
            409,
            "product_unavailable",
            "{title} is not on sale.",
            values={"title": variant.product.title},
        )
    shop = await catalog.get_shop(session=session, shop_id=variant.shop_id)
    await catalog.check_verified(session=session, shop=shop)
    price = next((p for p in variant.prices if p.market_code == market), None)
    if price is None:
        raise Problem(
            409,
            "not_sold_in_market",
            "{title} is not sold in market {market}.",
            values={"title": variant.product.title, "market": market},
        )
    return variant, price


async def set_cart_item(
    *, session: AsyncSession, buyer: User, market: str, data: CartItemIn
) -> Cart:
    await markets.get(session=session, code=market)
    await _sellable(session, data.variant_id, market)
    cart = await get_cart(session=session, buyer=buyer, market=market)
    item = next((i for i in cart.items if i.variant_id == data.variant_id), None)
    if item:
        item.quantity = data.quantity
    else:
        cart.items.append(CartItem(variant_id=data.variant_id, quantity=data.quantity))
    await session.flush()
    return cart


async def remove_cart_item(
    *, session: AsyncSession, buyer: User, market: str, variant_id: int
) -> Cart:
    cart = await get_cart(session=session, buyer=buyer, market=market)
    await session.execute(
        delete(CartItem).where(CartItem.cart_id == cart.id, CartItem.variant_id == variant_id)
    )
    return await get_cart(session=session, buyer=buyer, market=market)


# --- placing orders --------------------------------------------------------------------


@dataclass(frozen=True)
class Wanted:
    variant_id: int
    quantity: int


@dataclass(frozen=True)
class BuyerLimits:
    """How much stock one buyer may tie up unpaid, so free accounts cannot hoard it."""

    unpaid_orders: int
    units_per_variant: int

    @classmethod
    def of(cls, settings: Settings) -> BuyerLimits:
        return cls(settings.max_unpaid_orders, settings.max_held_units_per_variant)


# Orders that count towards a product's per-buyer limit: every one not undone.
_COUNTED = [s.value for s in OrderStatus if s not in (OrderStatus.cancelled, OrderStatus.refunded)]


async def lock_buyer(session: AsyncSession, buyer: User) -> None:
    """Serialize one buyer's placements; taken before any variant (lock order: buyer first).

    FOR NO KEY UPDATE on PostgreSQL: it does not block rows that merely reference the user
    (their foreign-key checks take KEY SHARE), only another placement by the same buyer.
    """
    stmt = select(User.id).where(User.id == buyer.id).with_for_update(key_share=True)
    await session.execute(stmt)


async def check_buyer_limits(
    session: AsyncSession,
    buyer: User,
    wanted: list[tuple[Variant, int]],
    new_orders: int,
    limits: BuyerLimits,
) -> None:
    """Refuse a placement that would pass the buyer's unpaid caps or a product's own limit.

    Precondition: the buyer's row is locked (`lock_buyer`), so two placements by one buyer
    are counted one after the other.
    """
    unpaid = select(func.count()).where(
        Order.buyer_id == buyer.id, Order.status == OrderStatus.pending_payment.value
    )
    open_orders = int((await session.execute(unpaid)).scalar_one())
    if open_orders + new_orders > limits.unpaid_orders:
        raise Problem(
            409,
            "too_many_unpaid_orders",
            "Pay or cancel your unpaid orders first: at most {unpaid_orders} can wait for payment "
            "at a time.",
            values={"unpaid_orders": limits.unpaid_orders},
            limit=limits.unpaid_orders,
        )
    per_product: dict[int, tuple[Product, int]] = {}
    for variant, quantity in wanted:
        held = select(func.coalesce(func.sum(Hold.quantity), 0)).join(
            Order, Order.id == Hold.order_id
        )
        held = held.where(
            Order.buyer_id == buyer.id,
            Hold.variant_id == variant.id,
            Hold.status == HoldStatus.active.value,
        )
        if int((await session.execute(held)).scalar_one()) + quantity > limits.units_per_variant:
            raise Problem(
                409,
                "hold_limit_reached",
                "At most {units_per_variant} units of one item can wait for payment per buyer.",
                values={"units_per_variant": limits.units_per_variant},
                variant_id=variant.id,
                limit=limits.units_per_variant,
            )
        product, before = per_product.get(variant.product_id, (variant.product, 0))
        per_product[variant.product_id] = (product, before + quantity)
    for product_id, (product, quantity) in sorted(per_product.items()):
        if product.max_per_buyer is None:
            continue
        bought = (
            select(func.coalesce(func.sum(OrderLine.quantity), 0))
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.buyer_id == buyer.id,
                OrderLine.product_id == product_id,
                Order.status.in_(_COUNTED),
            )
        )
        if int((await session.execute(bought)).scalar_one()) + quantity > product.max_per_buyer:
            raise Problem(
                409,
                "buyer_limit_reached",
                "{title} is limited to {max_per_buyer} per buyer.",
                values={"title": product.title, "max_per_buyer": product.max_per_buyer},
                product_id=product_id,
                limit=product.max_per_buyer,
            )


async def place(
    *,
    session: AsyncSession,
    buyer: User,
    market_code: str,
    address: Address,
    items: list[Wanted],
    hold_minutes: float,
    source: dict[str, Any] | None = None,
    limits: BuyerLimits | None = None,
) -> list[Order]:
    """Reserve stock for every item and create one pending order per shop.

    All-or-nothing: if any variant lacks stock the caller's transaction is rolled back by
    the raised Problem, releasing the holds taken so far. With `limits` (buy-now and
    checkout), the buyer's unpaid caps and each product's per-buyer limit are enforced.
    """
    if not items:
        raise Problem(409, "cart_empty", "The cart is empty.")
    market = await _check_can_buy(session, buyer, market_code, address)
    merged: dict[int, int] = {}
    for it in items:
        merged[it.variant_id] = merged.get(it.variant_id, 0) + it.quantity
    if limits is not None:
        await lock_buyer(session, buyer)
    priced: list[tuple[Variant, VariantPrice, int]] = []
    for variant_id in sorted(merged):  # ascending ids: a fixed lock order
        variant, price = await _sellable(session, variant_id, market.code)
        if not await stock.reserve(session, variant_id=variant_id, quantity=merged[variant_id]):
            raise Problem(
                409,
                "out_of_stock",
                "Not enough stock left for {title}.",
                values={"title": variant.product.title},
                variant_id=variant_id,
            )
        priced.append((variant, price, merged[variant_id]))
    if limits is not None:  # after stock: "sold out" is the better answer when both apply
        await check_buyer_limits(
            session,
            buyer,
            [(variant, qty) for variant, _price, qty in priced],
            len({variant.shop_id for variant, _price, _qty in priced}),
            limits,
        )

    expires = utcnow() + timedelta(minutes=hold_minutes)
    by_shop: dict[int, list[tuple[Variant, int, int]]] = {}
    for variant, price, qty in priced:
        by_shop.setdefault(variant.shop_id, []).append((variant, price.amount, qty))
    orders = []
    for shop_id, rows in sorted(by_shop.items()):
        order = _new_order(buyer, market, address, shop_id, rows, expires, source or {})
        session.add(order)
        await session.flush()
        for variant, _price, qty in rows:
            session.add(
                Hold(order_id=order.id, variant_id=variant.id, quantity=qty, expires_at=expires)
            )
        record(session, order, "placed", actor=buyer, to_status=OrderStatus.pending_payment.value)
        orders.append(order)
    await session.flush()
    return orders


def _new_order(
    buyer: User,
    market: Market,
    address: Address | None,
    shop_id: int,
    rows: list[tuple[Variant, int, int]],
    expires: Any,
    source: dict[str, Any],
) -> Order:
    """Build an order from (variant, unit price, quantity) rows, with tax per line."""
    # No address yet (a prize; an auction win, whose address follows): the tax is set when it
    # comes, and payments refuse an order whose address is still provisional.
    rate = market.tax_rate_bp
    if address is not None:
        rate = rate_for(
            market_code=market.code, market_rate_bp=market.tax_rate_bp, region=address.region
        )
    lines = []
    for variant, unit_price, qty in rows:
        t = line_tax(
            unit_price=unit_price, quantity=qty, rate_bp=rate, inclusive=market.prices_include_tax
        )
        title = variant.product.title
        if variant.option_values:
            title += " — " + " / ".join(variant.option_values)
        lines.append(
            OrderLine(
                variant_id=variant.id,
                product_id=variant.product_id,
                title=title,
                sku=variant.sku,
                quantity=qty,
                unit_price=unit_price,
                tax_rate_bp=rate,
                net=t.net,
                tax=t.tax,
                gross=t.gross,
            )
        )
    net, tax, gross = (sum(getattr(ln, f) for ln in lines) for f in ("net", "tax", "gross"))
    return Order(
        buyer_id=buyer.id,
        shop_id=shop_id,
        market_code=market.code,
        currency=market.currency,
        status=OrderStatus.pending_payment.value,
        subtotal_net=net,
        tax_total=tax,
        shipping_total=0,
        total=gross,
        address=address.model_dump() if address else {},
        source=source,
        hold_expires_at=expires,
        lines=lines,
    )


async def _check_can_buy(
    session: AsyncSession,
    buyer: User,
    market_code: str,
    address: Address | None,
    market: Market | None = None,
) -> Market:
    if buyer.banned_at is not None:
        raise forbidden("Banned accounts cannot buy.")
    if market is None or market.code != market_code.upper():
        market = await markets.check_open(session=session, code=market_code)
    elif not market.enabled:
        markets.refuse_disabled(market)
    if address is not None and address.country != market.code:
        raise Problem(
            422,
            "address_outside_market",
            "Orders in {name} ship to addresses in {code}.",
            values={"name": market.name, "code": market.code},
        )
    return market


async def place_reserved(
    *,
    session: AsyncSession,
    buyer: User,
    market_code: str,
    address: Address | None,
    variant: Variant,
    quantity: int,
    unit_price: int,
    hold_minutes: float,
    source: dict[str, Any],
    deal_id: int | None = None,
    discounts: list[dict[str, Any]] | None = None,
    market: Market | None = None,
) -> Order:
    """An order for units the caller has already reserved (a deal, an auction win, a prize).
    `address` None: it follows (an auction win), and the order cannot be paid until then.
    `market`: the market's row, if the caller read it in this transaction (one query less).
    """
    market = await _check_can_buy(session, buyer, market_code, address, market)
    expires = utcnow() + timedelta(minutes=hold_minutes)
    order = _new_order(
        buyer, market, address, variant.shop_id, [(variant, unit_price, quantity)], expires, source
    )
    order.discounts = discounts or []
    session.add(order)
    await session.flush()
    session.add(
        Hold(
            order_id=order.id,
            variant_id=variant.id,
            deal_id=deal_id,
            quantity=quantity,
            expires_at=expires,
        )
    )
    record(session, order, "placed", actor=buyer, to_status=OrderStatus.pending_payment.value)
    await session.flush()
    return order


async def place_prize(
    *,
    session: AsyncSession,
    winner: User,
    market: Market,
    variant: Variant,
    hold_until: datetime,
    source: dict[str, Any],
) -> Order:
    """A zero-price order for a prize unit the caller has reserved. The winner gives the address
    when claiming; no payment is due, so the hold ends at `hold_until` (the claim deadline)
    rather than by the payment sweep."""
    order = _new_order(winner, market, None, variant.shop_id, [(variant, 0, 1)], None, source)
    session.add(order)
    await session.flush()
    session.add(Hold(order_id=order.id, variant_id=variant.id, quantity=1, expires_at=hold_until))
    record(session, order, "placed", actor=None, to_status=OrderStatus.pending_payment.value)
    await session.flush()
    return order


async def checkout(
    *,
    session: AsyncSession,
    buyer: User,
    market_code: str,
    address: Address,
    hold_minutes: float,
    source: dict[str, Any] | None = None,
    limits: BuyerLimits | None = None,
) -> list[Order]:
    cart = await get_cart(session=session, buyer=buyer, market=market_code)
    items = [Wanted(i.variant_id, i.quantity) for i in cart.items]
    orders = await place(
        session=session,
        buyer=buyer,
        market_code=market_code,
        address=address,
        items=items,
        hold_minutes=hold_minutes,
        source={"channel": "cart", **(source or {})},
        limits=limits,
    )
    await session.execute(delete(CartItem).where(CartItem.cart_id == cart.id))
    return orders


# --- reading ---------------------------------------------------------------------------

_LOAD = (selectinload(Order.lines),)


async def load(*, session: AsyncSession, order_id: int, for_update: bool = False) -> Order:
    stmt = select(Order).where(Order.id == order_id).options(*_LOAD)
    if for_update:
        stmt = stmt.with_for_update(of=Order)
    order = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if order is None:
        raise not_found("order", order_id)
    return order


async def is_seller_of(session: AsyncSession, user: User, order: Order) -> bool:
    return user.has_role(Role.admin) or await catalog.is_member(
        session=session, user=user, shop_id=order.shop_id
    )


async def get(
    *, session: AsyncSession, viewer: User, order_id: int, for_update: bool = False
) -> Order:
    """The buyer, the shop's sellers and admins see an order; to anyone else it does not exist."""
    order = await load(session=session, order_id=order_id, for_update=for_update)
    if order.buyer_id != viewer.id and not await is_seller_of(session, viewer, order):
        raise not_found("order", order_id)
    return order


async def get_as_seller(*, session: AsyncSession, actor: User, order_id: int) -> Order:
    order = await get(session=session, viewer=actor, order_id=order_id, for_update=True)
    if not await is_seller_of(session, actor, order):
        raise forbidden("Only the shop's sellers can do that.")
    return order


async def get_as_buyer(*, session: AsyncSession, actor: User, order_id: int) -> Order:
    order = await get(session=session, viewer=actor, order_id=order_id, for_update=True)
    if order.buyer_id != actor.id:
        raise forbidden("Only the buyer can do that.")
    return order


async def list_for_buyer(
    *, session: AsyncSession, buyer: User, limit: int, offset: int
) -> tuple[list[Order], int]:
    cond = Order.buyer_id == buyer.id
    total = (await session.execute(select(func.count()).where(cond))).scalar_one()
    rows = await session.execute(
        select(Order)
        .where(cond)
        .options(*_LOAD)
        .order_by(Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), total


async def list_for_shop(
    *, session: AsyncSession, actor: User, shop_id: int, status: str | None, limit: int, offset: int
) -> tuple[list[Order], int]:
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    cond = [Order.shop_id == shop_id]
    if status:
        cond.append(Order.status == status)
    total = (await session.execute(select(func.count()).where(*cond))).scalar_one()
    rows = await session.execute(
        select(Order)
        .where(*cond)
        .options(*_LOAD)
        .order_by(Order.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return list(rows.scalars()), total


async def events(*, session: AsyncSession, viewer: User, order_id: int) -> list[OrderEvent]:
    await get(session=session, viewer=viewer, order_id=order_id)
    rows = await session.execute(
        select(OrderEvent).where(OrderEvent.order_id == order_id).order_by(OrderEvent.id)
    )
    return list(rows.scalars())


async def cart_lines(
    session: AsyncSession, cart: Cart
) -> list[tuple[CartItem, Variant, Product, VariantPrice | None]]:
    out = []
    for item in cart.items:
        variant = await catalog.get_variant(session=session, variant_id=item.variant_id)
        price = next((p for p in variant.prices if p.market_code == cart.market_code), None)
        out.append((item, variant, variant.product, price))
    return out
