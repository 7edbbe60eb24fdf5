"""Flash deal routes. The buy route is the stampede path: keep it lean."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse

from liveshop.accounts.deps import Caller, CurrentUser, current_caller
from liveshop.deps import IdPath, Uow
from liveshop.idempotency import idempotency_key
from liveshop.selling.deals import purchase
from liveshop.selling.deals import service as deals
from liveshop.selling.deals.schemas import DealBuy, DealCreate, DealPublic

router = APIRouter(tags=["selling"])

IdemKey = Annotated[str | None, Depends(idempotency_key)]
Buyer = Annotated[Caller, Depends(current_caller)]


@router.post("/shows/{show_id}/deals", status_code=status.HTTP_201_CREATED)
async def create_deal(show_id: IdPath, data: DealCreate, user: CurrentUser, uow: Uow) -> DealPublic:
    """Open a flash deal: a countdown, then a price and a stock for a limited time."""
    deal = await deals.create(uow=uow, actor=user, show_id=show_id, data=data)
    out = await deals.public(uow.session, deal)
    await uow.commit()
    return out


@router.get("/shows/{show_id}/deals")
async def list_deals(show_id: IdPath, uow: Uow) -> list[DealPublic]:
    return [
        await deals.public(uow.session, d)
        for d in await deals.list_for_show(session=uow.session, show_id=show_id)
    ]


@router.get("/deals/{deal_id}")
async def get_deal(deal_id: IdPath, uow: Uow) -> DealPublic:
    return await deals.public(uow.session, await deals.get(session=uow.session, deal_id=deal_id))


@router.post(
    "/deals/{deal_id}/buy",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {"description": "Sold out, not open, ended, or over the per-buyer limit"},
        422: {"description": "Idempotency-Key already used for a different request"},
    },
)
async def buy_deal(
    deal_id: IdPath, data: DealBuy, request: Request, caller: Buyer, uow: Uow, key: IdemKey
) -> JSONResponse:
    """Hold deal units, place a pending order. With an Idempotency-Key a retry never re-holds.

    Once a deal is sold out, selling/edge.py answers most of this before it gets here.
    Order of checks: a replay of a finished attempt, then what the database would refuse
    anyway (window, market, per-buyer limit), then the sold-out gate, then the database.
    """
    status_code, payload, media_type = await purchase.buy(
        uow,
        caller=caller,
        deal_id=deal_id,
        data=data,
        key=key,
        hold_minutes=request.app.state.settings.deal_hold_minutes,
    )
    return JSONResponse(payload, status_code=status_code, media_type=media_type)
