"""The sold-out gate's memory across processes (two RedisGate instances on one Redis)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis.asyncio as aioredis

from liveshop.selling.gate import Admission, RedisGate
from tests.conftest import REDIS_URL

pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set LIVESHOP_TEST_REDIS_URL")


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
