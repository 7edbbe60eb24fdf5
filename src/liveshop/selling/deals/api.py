"""Flash deal routes. The buy route is the stampede path: keep it lean."""

from __future__ import annotations

import asyncio
import weakref
from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.responses import JSONResponse

from liveshop.accounts.deps import Caller, CurrentUser, current_caller
from liveshop.deps import IdPath, Uow
from liveshop.errors import Problem, problem_response
from liveshop.idempotency import finished, idempotency_key, outcome, run_once
from liveshop.orders.models import Order
from liveshop.orders.schemas import order_public
from liveshop.selling import pricing
from liveshop.selling.deals import gate
from liveshop.selling.deals import service as deals
from liveshop.selling.deals.schemas import DealBuy, DealCreate, DealPublic

router = APIRouter(tags=["selling"])

# Every purchase of a deal updates the deal's row last and keeps it locked until its commit, so
# purchases of one deal commit one after another. Past a few at a time per process, more
# concurrent purchases only lengthen each lock: the holder waits behind the others' work in
# the event loop before it can commit. In the flash-sale bench (2 workers, 500 winners at once)
# the winners took 10.6 s with up to 30 purchases at a time per worker (the pool), 4.6 s with
# these slots. A slot is taken before the gate, so an admission's lease covers its work, not
# this queue.
PURCHASES_AT_ONCE = 8
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def _purchase_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()  # one per loop: tests run each app on its own loop
    if (slots := _slots.get(loop)) is None:
        slots = _slots[loop] = asyncio.Semaphore(PURCHASES_AT_ONCE)
    return slots


IdemKey = Annotated[str | None, Depends(idempotency_key)]
Buyer = Annotated[Caller, Depends(current_caller)]
SCOPE = "deal_buy"


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
    user = caller.user
    settings = request.app.state.settings
    body = {"deal_id": deal_id, **data.model_dump(mode="json")}
    worked = held = False

    order: Order | None = None

    async def work() -> tuple[int, object]:
        nonlocal order
        order = await deals.buy(
            session=uow.session,
            buyer=user,
            deal_id=deal_id,
            data=data,
            hold_minutes=settings.deal_hold_minutes,
            deal=deal,
        )
        if data.coupons:  # else nothing changes: a deal line keeps its price (pricing.py, 1.)
            await pricing.apply_coupons(
                session=uow.session,
                buyer=user,
                orders=[order],
                codes=data.coupons,
                show_id=order.source.get("show_id"),
            )
        return 201, order_public(order).model_dump(mode="json")

    async def last() -> None:
        nonlocal worked
        assert order is not None
        await deals.take_units(session=uow.session, order=order, quantity=data.quantity)
        worked = True

    async def replay() -> JSONResponse | None:
        if key is None:
            return None
        done = await finished(uow, user_id=user.id, key=key, scope=SCOPE, body=body)
        return None if done is None else JSONResponse(done[1], status_code=done[0])

    # A replay is answered before the checks and the gate, which may refuse by now.
    deal, bought, record = await deals.look(
        session=uow.session, buyer=user, deal_id=deal_id, key=key
    )
    if (done := outcome(record, scope=SCOPE, body=body)) is not None:
        return JSONResponse(done[1], status_code=done[0])
    try:
        room = deals.check_loaded(deal, bought, deal_id=deal_id, data=data)
    except Problem:
        # The first attempt with this key may have committed a moment ago, in another
        # worker (e.g. one that died before it could answer): then its order is the answer.
        if (answer := await replay()) is not None:
            return answer
        raise

    async def load_left() -> tuple[int, bool]:
        return await deals.gate_state(session=uow.session, deal_id=deal_id)

    async def purchase() -> JSONResponse:
        nonlocal held
        who = gate.attempt(caller.token, key)
        taken = await gate.current().try_take(
            deal_id, data.quantity, load_left, who, buyer=user.id, room=room
        )
        if taken == "sold_out" or taken == "busy":
            if (answer := await replay()) is not None:
                return answer
            if taken == "sold_out":
                return problem_response(409, "sold_out", "Sold out — every unit is taken or held.")
            return problem_response(
                409,
                "buy_in_progress",
                "Your other attempt on this deal is still being processed; try again in a moment.",
            )
        try:
            if key is None:
                status_code, payload = await work()
                await last()
                await uow.commit()
            else:
                status_code, payload = await run_once(
                    uow,
                    user_id=user.id,
                    key=key,
                    scope=SCOPE,
                    body=body,
                    work=work,
                    last=last,
                    looked=True,
                )
            held = worked
        finally:
            # Committed, and by us rather than a concurrent retry: the units stay taken. Else
            # (refused, failed, or a replay) they go back to the gate now, not after a lease.
            if taken is not None:
                await gate.current().finish(taken, kept=held)
        return JSONResponse(payload, status_code=status_code)

    async with _purchase_slots():
        return await purchase()
