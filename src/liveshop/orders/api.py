from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import JSONResponse

from liveshop.accounts.schemas import MarketCode
from liveshop.deps import CurrentUser, IdPath, PageDep, Paginated, Uow, paginated, settings_of
from liveshop.idempotency import idempotency_key, run_once
from liveshop.live.shows import service as live
from liveshop.markets.money import MoneyPublic
from liveshop.markets.seed import LOCALES
from liveshop.orders import fulfilment, returns
from liveshop.orders import service as orders
from liveshop.orders.schemas import (
    BuyNowIn,
    CartItemIn,
    CartItemPublic,
    CartPublic,
    CheckoutIn,
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
from liveshop.selling import pricing
from liveshop.settings import Settings

router = APIRouter(tags=["orders"])
IdemKey = Annotated[str | None, Depends(idempotency_key)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


async def _cart_public(uow: Uow, cart: object) -> CartPublic:
    from liveshop.orders.models import Cart

    assert isinstance(cart, Cart)
    items, subtotal = [], 0
    currency = None
    for item, variant, product, price in await orders.cart_lines(uow.session, cart):
        money = None
        if price:
            money = MoneyPublic.of(price.amount, price.currency, LOCALES[cart.market_code])
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
    from liveshop.markets import service as markets

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


def _orders_response(status_code: int, body: object) -> JSONResponse:
    return JSONResponse(body, status_code=status_code)


async def _place_idempotent(
    uow: Uow, user: CurrentUser, key: str | None, scope: str, body: object, work: object
) -> JSONResponse:
    async def run() -> tuple[int, object]:
        placed = await work()  # type: ignore[operator]
        return 201, [order_public(o).model_dump(mode="json") for o in placed]

    if key is None:
        status_code, payload = await run()
        await uow.commit()
    else:
        status_code, payload = await run_once(
            uow, user_id=user.id, key=key, scope=scope, body=body, work=run
        )
    return _orders_response(status_code, payload)


@router.post("/checkout", status_code=status.HTTP_201_CREATED, response_model=list[OrderPublic])
async def checkout(
    data: CheckoutIn, user: CurrentUser, uow: Uow, settings: SettingsDep, key: IdemKey
) -> JSONResponse:
    """Turn the market's cart into orders (one per shop), holding the stock."""

    async def work() -> object:
        cart = await orders.get_cart(session=uow.session, buyer=user, market=data.market)
        source = await live.attribution(
            session=uow.session,
            show_id=data.show_id,
            variant_ids=[i.variant_id for i in cart.items],
        )
        placed = await orders.checkout(
            session=uow.session,
            buyer=user,
            market_code=data.market,
            address=data.address,
            hold_minutes=settings.hold_minutes,
            source=source if "show_id" in source else None,
            limits=orders.BuyerLimits.of(settings),
        )
        await pricing.apply_coupons(
            session=uow.session, buyer=user, orders=placed, codes=data.coupons, show_id=data.show_id
        )
        return placed

    return await _place_idempotent(uow, user, key, "checkout", data.model_dump(mode="json"), work)


@router.post(
    "/orders/buy-now", status_code=status.HTTP_201_CREATED, response_model=list[OrderPublic]
)
async def buy_now(
    data: BuyNowIn, user: CurrentUser, uow: Uow, settings: SettingsDep, key: IdemKey
) -> JSONResponse:
    """Order one variant straight away, skipping the cart."""

    async def work() -> object:
        source = await live.attribution(
            session=uow.session, show_id=data.show_id, variant_ids=[data.variant_id]
        )
        placed = await orders.place(
            session=uow.session,
            buyer=user,
            market_code=data.market,
            address=data.address,
            items=[orders.Wanted(data.variant_id, data.quantity)],
            hold_minutes=settings.hold_minutes,
            source=source,
            limits=orders.BuyerLimits.of(settings),
        )
        await pricing.apply_coupons(
            session=uow.session, buyer=user, orders=placed, codes=data.coupons, show_id=data.show_id
        )
        return placed

    return await _place_idempotent(uow, user, key, "buy_now", data.model_dump(mode="json"), work)


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


@router.post("/returns/{return_id}/approve")
async def approve_return(
    return_id: IdPath, data: ReturnDecision, request: Request, user: CurrentUser, uow: Uow
) -> ReturnPublic:
    ret, order = await returns.approve(
        session=uow.session,
        provider=request.app.state.provider,
        actor=user,
        return_id=return_id,
        note=data.note,
    )
    await uow.commit()
    return return_public(order, ret)


@router.post("/returns/{return_id}/decline")
async def decline_return(
    return_id: IdPath, data: ReturnDecision, user: CurrentUser, uow: Uow
) -> ReturnPublic:
    ret, order = await returns.decline(
        session=uow.session, actor=user, return_id=return_id, note=data.note
    )
    await uow.commit()
    return return_public(order, ret)
