"""Buying: checkout and buy-now, with the live room's attribution and the promotions applied.

It sits in selling because it joins orders (placing, holding stock), the show that sold the
goods (live) and the coupons and campaign prices (pricing), and only selling may see all three.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.responses import JSONResponse

from liveshop.accounts.deps import CurrentUser
from liveshop.deps import Uow, settings_of
from liveshop.idempotency import idempotency_key, run_once
from liveshop.orders.models import Order
from liveshop.orders.schemas import BuyNowIn, CheckoutIn, OrderPublic, order_public
from liveshop.selling.checkout import service as checkout_service
from liveshop.settings import Settings

router = APIRouter(tags=["orders"])
IdemKey = Annotated[str | None, Depends(idempotency_key)]
SettingsDep = Annotated[Settings, Depends(settings_of)]


async def _place_idempotent(
    uow: Uow,
    user: CurrentUser,
    key: str | None,
    scope: str,
    body: object,
    work: Callable[[], Awaitable[list[Order]]],
) -> JSONResponse:
    async def run() -> tuple[int, object]:
        placed = await work()
        return 201, [order_public(o).model_dump(mode="json") for o in placed]

    status_code, payload = await run_once(
        uow, user_id=user.id, key=key, scope=scope, body=body, work=run
    )
    return JSONResponse(payload, status_code=status_code)


@router.post("/checkout", status_code=status.HTTP_201_CREATED, response_model=list[OrderPublic])
async def checkout(
    data: CheckoutIn, user: CurrentUser, uow: Uow, settings: SettingsDep, key: IdemKey
) -> JSONResponse:
    """Turn the market's cart into orders (one per shop), holding the stock."""

    async def work() -> list[Order]:
        return await checkout_service.checkout(
            session=uow.session, buyer=user, data=data, settings=settings
        )

    return await _place_idempotent(uow, user, key, "checkout", data.model_dump(mode="json"), work)


@router.post(
    "/orders/buy-now", status_code=status.HTTP_201_CREATED, response_model=list[OrderPublic]
)
async def buy_now(
    data: BuyNowIn, user: CurrentUser, uow: Uow, settings: SettingsDep, key: IdemKey
) -> JSONResponse:
    """Order one variant straight away, skipping the cart."""

    async def work() -> list[Order]:
        return await checkout_service.buy_now(
            session=uow.session, buyer=user, data=data, settings=settings
        )

    return await _place_idempotent(uow, user, key, "buy_now", data.model_dump(mode="json"), work)
