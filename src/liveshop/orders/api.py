from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status

from liveshop.accounts.deps import CurrentUser
from liveshop.accounts.schemas import MarketCode
from liveshop.deps import IdPath, PageDep, Paginated, Uow, paginated, settings_of
from liveshop.idempotency import idempotency_key
from liveshop.markets import service as markets
from liveshop.markets.money import MoneyPublic
from liveshop.orders import fulfilment, returns
from liveshop.orders import service as orders
from liveshop.orders.models import Cart
from liveshop.orders.schemas import (
    CartItemIn,
    CartItemPublic,
    CartPublic,
    OrderEventPublic,
    OrderPublic,
    ReturnCreate,
    ReturnDecision,
    ReturnPublic,
    ShipIn,
    ShopReturnPublic,
    event_public,
    order_public,
    return_public,
    shop_return_public,
)
from liveshop.settings import Settings

router = APIRouter(tags=["orders"])
IdemKey = Annotated[str | None, Depends(idempotency_key)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


async def _cart_public(uow: Uow, cart: object) -> CartPublic:
    assert isinstance(cart, Cart)
    items, subtotal = [], 0
    currency = None
    for item, variant, product, price in await orders.cart_lines(uow.session, cart):
        money = None
        if price:
            money = MoneyPublic.in_market(price.amount, price.currency, cart.market_code)
            subtotal += price.amount * item.quantity
            currency = price.currency
        items.append(
            CartItemPublic(
                variant_id=variant.id,
                product_id=product.id,
                title=product.title,
                sku=variant.sku,
                quantity=item.quantity,
                unit_price=money,
                available=variant.available,
            )
        )
    market = await markets.get(session=uow.session, code=cart.market_code)
    return CartPublic(
        market=cart.market_code,
        items=items,
        subtotal=MoneyPublic.of(subtotal, currency or market.currency, market.locale),
    )


@router.get("/carts/{market}")
async def get_cart(market: MarketCode, user: CurrentUser, uow: Uow) -> CartPublic:
    cart = await orders.get_cart(session=uow.session, buyer=user, market=market)
    out = await _cart_public(uow, cart)
    await uow.commit()
    return out


@router.put("/carts/{market}/items")
async def set_cart_item(
    market: MarketCode, data: CartItemIn, user: CurrentUser, uow: Uow
) -> CartPublic:
    """Put a variant in the cart with this quantity (idempotent by nature)."""
    cart = await orders.set_cart_item(session=uow.session, buyer=user, market=market, data=data)
    out = await _cart_public(uow, cart)
    await uow.commit()
    return out


@router.delete("/carts/{market}/items/{variant_id}")
async def remove_cart_item(
    market: MarketCode, variant_id: IdPath, user: CurrentUser, uow: Uow
) -> CartPublic:
    cart = await orders.remove_cart_item(
        session=uow.session, buyer=user, market=market, variant_id=variant_id
    )
    out = await _cart_public(uow, cart)
    await uow.commit()
    return out


@router.get("/me/orders")
async def my_orders(user: CurrentUser, uow: Uow, page: PageDep) -> Paginated[OrderPublic]:
    rows, total = await orders.list_for_buyer(
        session=uow.session, buyer=user, limit=page.limit, offset=page.offset
    )
    return Paginated[OrderPublic](**paginated([order_public(o) for o in rows], total, page))


@router.get("/shops/{shop_id}/orders")
async def shop_orders(
    shop_id: IdPath,
    user: CurrentUser,
    uow: Uow,
    page: PageDep,
    status_: Annotated[str | None, Query(alias="status", max_length=20)] = None,
) -> Paginated[OrderPublic]:
    rows, total = await orders.list_for_shop(
        session=uow.session,
        actor=user,
        shop_id=shop_id,
        status=status_,
        limit=page.limit,
        offset=page.offset,
    )
    return Paginated[OrderPublic](**paginated([order_public(o) for o in rows], total, page))


@router.get("/orders/{order_id}")
async def get_order(order_id: IdPath, user: CurrentUser, uow: Uow) -> OrderPublic:
    return order_public(await orders.get(session=uow.session, viewer=user, order_id=order_id))


@router.get("/orders/{order_id}/events")
async def order_events(order_id: IdPath, user: CurrentUser, uow: Uow) -> list[OrderEventPublic]:
    return [
        event_public(e)
        for e in await orders.events(session=uow.session, viewer=user, order_id=order_id)
    ]


@router.post("/orders/{order_id}/cancel")
async def cancel_order(order_id: IdPath, user: CurrentUser, uow: Uow) -> OrderPublic:
    """The buyer or the seller cancels an unpaid order; its held stock goes back."""
    order = await orders.get(session=uow.session, viewer=user, order_id=order_id, for_update=True)
    await fulfilment.cancel(uow.session, order, actor=user, reason="cancelled_by_user")
    await uow.commit()
    return order_public(await orders.load(session=uow.session, order_id=order_id))


@router.post("/orders/{order_id}/ship")
async def ship_order(order_id: IdPath, data: ShipIn, user: CurrentUser, uow: Uow) -> OrderPublic:
    order = await orders.get_as_seller(session=uow.session, actor=user, order_id=order_id)
    await fulfilment.ship(uow.session, order, actor=user, data=data)
    await uow.commit()
    return order_public(order)


@router.post("/orders/{order_id}/deliver")
async def deliver_order(order_id: IdPath, user: CurrentUser, uow: Uow) -> OrderPublic:
    order = await orders.get_as_seller(session=uow.session, actor=user, order_id=order_id)
    await fulfilment.deliver(uow.session, order, actor=user)
    await uow.commit()
    return order_public(order)


@router.post("/orders/{order_id}/complete")
async def complete_order(order_id: IdPath, user: CurrentUser, uow: Uow) -> OrderPublic:
    """The buyer confirms receipt early."""
    order = await orders.get_as_buyer(session=uow.session, actor=user, order_id=order_id)
    await fulfilment.complete(uow.session, order, actor=user)
    await uow.commit()
    return order_public(order)


@router.post("/orders/{order_id}/returns", status_code=status.HTTP_201_CREATED)
async def request_return(
    order_id: IdPath, data: ReturnCreate, user: CurrentUser, uow: Uow
) -> ReturnPublic:
    ret = await returns.request(session=uow.session, buyer=user, order_id=order_id, data=data)
    order = await orders.load(session=uow.session, order_id=order_id)
    await uow.commit()
    return return_public(order, ret)


@router.get("/orders/{order_id}/returns")
async def list_returns(order_id: IdPath, user: CurrentUser, uow: Uow) -> list[ReturnPublic]:
    order, rows = await returns.list_for_order(session=uow.session, viewer=user, order_id=order_id)
    return [return_public(order, r) for r in rows]


@router.get("/shops/{shop_id}/returns")
async def shop_returns(
    shop_id: IdPath,
    user: CurrentUser,
    uow: Uow,
    page: PageDep,
    status_: Annotated[
        Literal["requested", "approved", "declined"] | None, Query(alias="status")
    ] = None,
) -> Paginated[ShopReturnPublic]:
    """Return requests on the shop's orders, newest first (the seller's returns inbox)."""
    rows, total = await returns.list_for_shop(
        session=uow.session,
        actor=user,
        shop_id=shop_id,
        status=status_,
        limit=page.limit,
        offset=page.offset,
    )
    items = [shop_return_public(order, ret) for ret, order in rows]
    return Paginated[ShopReturnPublic](**paginated(items, total, page))


@router.post("/returns/{return_id}/decline")
async def decline_return(
    return_id: IdPath, data: ReturnDecision, user: CurrentUser, uow: Uow
) -> ReturnPublic:
    ret, order = await returns.decline(
        session=uow.session, actor=user, return_id=return_id, note=data.note
    )
    await uow.commit()
    return return_public(order, ret)
