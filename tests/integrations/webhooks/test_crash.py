"""The server is killed with SIGKILL between two attempts of a delivery: after a restart the
delivery arrives exactly once, with the same webhook-id, and nothing is lost or repeated."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from typing import Any

import pytest
from sqlalchemy import select

from liveshop.integrations.webhooks.models import WebhookDelivery
from liveshop.settings import Settings
from tests.integrations.receiver import Receiver
from tests.integrations.webhooks.conftest import Hooks
from tests.kits.server import serve

pytestmark = pytest.mark.slow

ENV = {
    "LIVESHOP_WEBHOOK_BACKOFF_BASE_SECONDS": "2",
    "LIVESHOP_WEBHOOK_POLL_SECONDS": "0.1",
    "LIVESHOP_WEBHOOK_LEASE_SECONDS": "3",
    "LIVESHOP_JOB_LEASE_SECONDS": "1",  # the restarted server takes the jobs over at once
    "LIVESHOP_MAIL_BACKEND": "console",
}


async def _row(app: Any) -> Any:
    """The one delivery row, read straight from the database the servers share."""
    async with app.state.db.read.connect() as conn:
        return (await conn.execute(select(WebhookDelivery.__table__))).one()


async def _until(check: Any, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        assert time.monotonic() < deadline, what
        await asyncio.sleep(0.05)


async def test_sigkill_between_attempts_then_exactly_once(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.paid"])
    receiver.secret = ep["secret"]
    receiver.plan = lambda _id, n: 500 if n == 1 else 200
    buyer = await hooks.api.user("buyer")
    await hooks.api.paid_order(buyer, hooks.variant_id)  # the outbox row commits with the order

    async with serve(settings, workers=1, env=ENV) as server:

        async def first_failed() -> bool:
            return (await _row(hooks.app)).attempts == 1

        await _until(first_failed, 20, "the first attempt was never made")
        os.killpg(server.pid, signal.SIGKILL)  # not a graceful stop
        await asyncio.sleep(3)  # past the retry time: nobody is left to retry
        assert len(receiver.arrivals) == 1 and receiver.arrivals[0].status == 500
        assert (await _row(hooks.app)).status == "pending"

    async with serve(settings, workers=1, env=ENV):

        async def delivered() -> bool:
            return (await _row(hooks.app)).status == "delivered"

        await _until(delivered, 30, "the delivery never arrived after the restart")
        await asyncio.sleep(2)  # long enough for any duplicate to show up
    assert [a.status for a in receiver.arrivals] == [500, 200]
    assert len(receiver.count()) == 1 and set(receiver.ok().values()) == {1}
    assert all(a.verified for a in receiver.arrivals)
    row = await _row(hooks.app)
    assert row.attempts == 2 and row.msg_id == receiver.arrivals[0].msg_id


async def test_sigkill_mid_attempt_loses_nothing_and_keeps_the_id(
    hooks: Hooks, receiver: Receiver, settings: Settings
) -> None:
    """Killed while the receiver is still answering: the sender never learnt the outcome, so
    after the lease runs out the delivery is sent again, with the same webhook-id, which is
    what lets a receiver act on it exactly once."""
    ep = await hooks.endpoint(receiver.url, ["order.paid"])
    receiver.secret = ep["secret"]
    receiver.delay = 5  # the first answer is still pending when the server dies
    buyer = await hooks.api.user("buyer")
    await hooks.api.paid_order(buyer, hooks.variant_id)

    async with serve(settings, workers=1, env=ENV) as server:
        await receiver.wait_for(1, within=20)
        os.killpg(server.pid, signal.SIGKILL)
    receiver.delay = 0
    assert (await _row(hooks.app)).status == "pending"

    async with serve(settings, workers=1, env=ENV):

        async def delivered() -> bool:
            return (await _row(hooks.app)).status == "delivered"

        await _until(delivered, 30, "the delivery never arrived after the restart")
        await asyncio.sleep(2)
    assert len(receiver.arrivals) == 2 and len(receiver.count()) == 1
    assert all(a.verified for a in receiver.arrivals)
    acted_on = {a.msg_id for a in receiver.arrivals}  # a receiver de-duplicating by webhook-id
    assert len(acted_on) == 1
    assert (await _row(hooks.app)).attempts == 1  # the killed attempt left no record
