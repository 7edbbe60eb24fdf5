"""Buying a flash deal: the stampede path, from a replay through the sold-out gate to the
database. The route (api.py) only turns the answer into a response.

Order of checks: a replay of a finished attempt, then what the database would refuse anyway
(window, market, per-buyer limit), then the sold-out gate, then the database. Once a deal is
sold out, selling/deals/edge.py answers most attempts before they get here.
"""

from __future__ import annotations

import asyncio
import weakref

from liveshop.accounts.deps import Caller
from liveshop.errors import PROBLEM, Problem, problem_body
from liveshop.idempotency import finished, outcome, run_once
from liveshop.orders.models import Order
from liveshop.orders.schemas import order_public
from liveshop.selling import pricing
from liveshop.selling.deals import gate
from liveshop.selling.deals import service as deals
from liveshop.selling.deals.schemas import DealBuy
from liveshop.uow import UnitOfWork

SCOPE = "deal_buy"
# (status, body, media type): None is plain JSON.
Answer = tuple[int, object, str | None]

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


def _refused(code: str, detail: str) -> Answer:
    return 409, problem_body(409, code, detail), PROBLEM


async def buy(
    uow: UnitOfWork,
    *,
    caller: Caller,
    deal_id: int,
    data: DealBuy,
    key: str | None,
    hold_minutes: float,
) -> Answer:
    """Hold deal units and place a pending order. With an Idempotency-Key a retry never
    re-holds: it gets the first attempt's answer."""
    # The slot comes before the first read: on SQLite that read opens the one write
    # transaction, which a purchase waiting for a slot must not hold.
    async with _purchase_slots():
        return await _buy(
            uow, caller=caller, deal_id=deal_id, data=data, key=key, hold_minutes=hold_minutes
        )


async def _buy(
    uow: UnitOfWork,
    *,
    caller: Caller,
    deal_id: int,
    data: DealBuy,
    key: str | None,
    hold_minutes: float,
) -> Answer:
    user = caller.user
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
            hold_minutes=hold_minutes,
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

    async def replay() -> Answer | None:
        if key is None:
            return None
        done = await finished(uow, user_id=user.id, key=key, scope=SCOPE, body=body)
        return None if done is None else (done[0], done[1], None)

    # A replay is answered before the checks and the gate, which may refuse by now.
    deal, bought, record = await deals.look(
        session=uow.session, buyer=user, deal_id=deal_id, key=key
    )
    if (done := outcome(record, scope=SCOPE, body=body)) is not None:
        return done[0], done[1], None
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

    async def attempt() -> Answer:
        nonlocal held
        who = gate.attempt(caller.token, key)
        taken = await gate.current().try_take(
            deal_id, data.quantity, load_left, who, buyer=user.id, room=room
        )
        if taken == "sold_out" or taken == "busy":
            if (answer := await replay()) is not None:
                return answer
            if taken == "sold_out":
                return _refused("sold_out", "Sold out — every unit is taken or held.")
            return _refused(
                "buy_in_progress",
                "Your other attempt on this deal is still being processed; try again in a moment.",
            )
        try:
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
        return status_code, payload, None

    return await attempt()
