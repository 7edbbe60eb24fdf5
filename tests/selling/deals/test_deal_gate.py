"""The sold-out gate's memory across processes (two RedisGate instances on one Redis)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
import redis.asyncio as aioredis

from liveshop.selling.deals.gate import Admission, RedisGate
from tests.conftest import MODE, REDIS_URL
from tests.kits.deals import buy_body, open_now, show_with_deal
from tests.kits.factories import Api

pytestmark = pytest.mark.skipif(
    not REDIS_URL, reason="embedded mode is one process with one counter; needs Redis"
)


async def test_units_given_back_elsewhere_are_seen_by_every_request_after_a_pause() -> None:
    """The stampede's second wave: after a quiet spell, units another process gave back must
    reach every concurrent request, not only the one that refreshes the view."""
    assert REDIS_URL
    deal_id = 2_000_000_000 + uuid.uuid4().int % 100_000_000
    a, b = RedisGate(REDIS_URL), RedisGate(REDIS_URL)
    raw = aioredis.from_url(REDIS_URL)

    async def pristine_one_unit() -> tuple[int, bool]:
        return 1, True

    try:
        won = await a.try_take(deal_id, 1, pristine_one_unit, "winner", buyer=1, room=1)
        assert isinstance(won, Admission)
        await a.finish(won, kept=True)
        late = await a.try_take(deal_id, 1, pristine_one_unit, "late", buyer=2, room=1)
        assert late == "sold_out"
        assert await a.surely_sold_out(deal_id, "late") is True
        assert await b.surely_sold_out(deal_id, "late") is True
        # An admitted attempt is never answered early: its retry must replay its order.
        assert await a.surely_sold_out(deal_id, "winner") is False
        assert await b.surely_sold_out(deal_id, "winner") is False

        await b.give_back(deal_id, 1)  # the winner's hold expired, in the other process
        await asyncio.sleep(a.TRUST_SECONDS + 0.05)
        answers = await asyncio.gather(*(a.surely_sold_out(deal_id, f"n{i}") for i in range(20)))
        assert answers == [False] * 20
    finally:
        await raw.delete(*RedisGate.keys(deal_id))
        await raw.aclose()
        await a.close()
        await b.close()


async def test_a_dead_workers_admission_comes_back_when_its_lease_runs_out() -> None:
    """A worker admitted a buyer and died before writing the hold: the unit must come back
    within seconds, without anyone trusting a count the dead process left behind."""
    assert REDIS_URL
    deal_id = 2_000_000_000 + uuid.uuid4().int % 100_000_000
    dead, alive = RedisGate(REDIS_URL), RedisGate(REDIS_URL)
    dead.LEASE_SECONDS = 0.5
    raw = aioredis.from_url(REDIS_URL)

    async def pristine_one_unit() -> tuple[int, bool]:
        return 1, True

    try:
        lost = await dead.try_take(deal_id, 1, pristine_one_unit, "lost", buyer=1, room=1)
        assert isinstance(lost, Admission)
        await dead.close()  # never finishes: its process is gone
        assert await alive.try_take(deal_id, 1, pristine_one_unit, "b", buyer=2, room=1) == (
            "sold_out"
        )
        assert await alive.surely_sold_out(deal_id, "b") is True
        await asyncio.sleep(0.6)
        assert await alive.surely_sold_out(deal_id, "b") is False  # the refresh ended the lease
        got = await alive.try_take(deal_id, 1, pristine_one_unit, "b", buyer=2, room=1)
        assert isinstance(got, Admission)
        await alive.finish(got, kept=True)
        assert await raw.get(RedisGate.key(deal_id)) == b"0"

        # A request that outlived its lease and then wrote its hold takes its unit again.
        slow_gate = RedisGate(REDIS_URL)
        slow_gate.LEASE_SECONDS = 0.2
        await alive.give_back(deal_id, 1)  # b's hold expired
        slow = await slow_gate.try_take(deal_id, 1, pristine_one_unit, "slow", buyer=3, room=1)
        assert isinstance(slow, Admission)
        await asyncio.sleep(0.3)
        assert await alive.surely_sold_out(deal_id, "x") is False  # the lease ran out...
        await slow_gate.finish(slow, kept=True)  # ...but the hold was written after all
        assert await raw.get(RedisGate.key(deal_id)) == b"0"
        await slow_gate.close()
    finally:
        await raw.delete(*RedisGate.keys(deal_id))
        await raw.aclose()
        await alive.close()


async def test_one_buyers_parallel_attempts_hold_no_more_than_their_allowance() -> None:
    assert REDIS_URL
    deal_id = 2_000_000_000 + uuid.uuid4().int % 100_000_000
    gate = RedisGate(REDIS_URL)
    raw = aioredis.from_url(REDIS_URL)

    async def five_units() -> tuple[int, bool]:
        return 5, True

    try:
        answers = await asyncio.gather(
            *(gate.try_take(deal_id, 1, five_units, f"a{i}", buyer=7, room=1) for i in range(20))
        )
        admitted = [a for a in answers if isinstance(a, Admission)]
        assert len(admitted) == 1 and answers.count("busy") == 19
        assert await raw.get(RedisGate.key(deal_id)) == b"4"
        await gate.finish(admitted[0], kept=False)  # the database refused it: back at once
        assert await raw.get(RedisGate.key(deal_id)) == b"5"
    finally:
        await raw.delete(*RedisGate.keys(deal_id))
        await raw.aclose()
        await gate.close()


@pytest.mark.skipif(MODE != "distributed", reason="the app uses the Redis gate in distributed mode")
async def test_units_that_come_back_are_seen_by_every_process_at_once(
    api: Api, client: httpx.AsyncClient, settings: Any, app: Any
) -> None:
    """Another worker's edge must not keep saying "sold out" once a unit is back."""
    other = RedisGate(settings.redis_url)
    try:
        _, _, deal = await show_with_deal(api, client, stock=1, limit=1)
        await open_now(app.state.db, deal["id"])
        url = f"/api/v1/deals/{deal['id']}/buy"
        winner = await api.user("buyer")
        won = await client.post(
            url, headers={**winner.headers, "Idempotency-Key": "seen-winner-1"}, json=buy_body()
        )
        assert won.status_code == 201, won.text
        assert await other.surely_sold_out(deal["id"], "someone") is True
        await asyncio.sleep(other.VIEW_SECONDS * 2)  # a worker that has been up a while
        assert await other.surely_sold_out(deal["id"], "someone") is True
        r = await client.post(f"/api/v1/orders/{won.json()['id']}/cancel", headers=winner.headers)
        assert r.status_code == 200, r.text
        await asyncio.sleep(0.01)
        assert await other.surely_sold_out(deal["id"], "someone") is False
    finally:
        await other.close()
