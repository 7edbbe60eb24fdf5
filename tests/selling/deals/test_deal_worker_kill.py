"""A web worker dies mid-sale: no accepted order is lost, nothing is oversold, and the units
its in-flight requests had been let through for are sold again within seconds."""

from __future__ import annotations

import asyncio
import os
import signal
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from liveshop.db import create_database
from liveshop.orders.models import Hold, Order
from liveshop.selling.deals.gate import RedisGate
from liveshop.selling.deals.models import DealBuyer, FlashDeal
from tests.conftest import MODE
from tests.kits.deals import bulk_buyers, buy_body, open_now, show_with_deal
from tests.kits.factories import Actor, Api
from tests.kits.media import web_workers
from tests.kits.server import serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        MODE != "distributed",
        reason="embedded mode serves from one process: there is no other worker to keep selling",
    ),
]


async def _buy(client: httpx.AsyncClient, url: str, buyer: Actor) -> httpx.Response | None:
    """One buyer's attempt, retried with the same key as a real client would: after a dropped
    connection, and after `buy_in_progress` (an attempt of theirs that a dead worker was
    serving still counts until its lease runs out)."""
    headers = {**buyer.headers, "Idempotency-Key": f"kill-{uuid.uuid4().hex}"}
    for _ in range(25):
        try:
            r = await client.post(url, headers=headers, json=buy_body())
        except httpx.TransportError:
            await asyncio.sleep(0.3)
            continue
        if r.status_code != 409 or r.json()["code"] != "buy_in_progress":
            return r
        await asyncio.sleep(0.3)
    return None


async def _wave(base: str, url: str, buyers: list[Actor], on_first_ok: asyncio.Event) -> list[Any]:
    limits = httpx.Limits(max_connections=150, max_keepalive_connections=150)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as c:

        async def one(b: Actor) -> httpx.Response | None:
            r = await _buy(c, url, b)
            if r is not None and r.status_code < 300:
                on_first_ok.set()
            return r

        return await asyncio.gather(*(one(b) for b in buyers))


async def _row(db: Any, deal_id: int) -> tuple[int, int, int]:
    async with db.read.connect() as conn:
        stmt = select(FlashDeal.stock, FlashDeal.sold, FlashDeal.held).where(
            FlashDeal.id == deal_id
        )
        row = (await conn.execute(stmt)).one()
    return int(row[0]), int(row[1]), int(row[2])


async def test_a_worker_killed_mid_stampede_strands_no_stock(settings: Any) -> None:
    db = create_database(settings.database_url)
    try:
        async with serve(settings, workers=2) as server:
            base = server.url
            limits = httpx.Limits(keepalive_expiry=1)
            async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
                api = Api(client, settings.database_url)
                _, _, deal = await show_with_deal(api, client, stock=60, variant_stock=100)
                await open_now(db, deal["id"])
                url = f"/api/v1/deals/{deal['id']}/buy"
                buyers = await bulk_buyers(db, 300)
                workers = web_workers(server.pid)
                assert len(workers) == 2, workers

                first_ok = asyncio.Event()
                wave = asyncio.ensure_future(_wave(base, url, buyers, first_ok))
                await asyncio.wait_for(first_ok.wait(), 60)
                await asyncio.sleep(0.3)
                os.kill(workers[0], signal.SIGKILL)
                killed_mid_sale = not wave.done()
                results = await wave
                assert killed_mid_sale, "the kill must fall inside the stampede"

                ok = [r.json() for r in results if r is not None and r.status_code == 201]
                assert {r.status_code for r in results if r is not None} <= {201, 409}
                stock, sold, held = await _row(db, deal["id"])
                assert sold + held <= stock  # no oversell
                async with db.read.connect() as conn:
                    found = (
                        await conn.execute(
                            select(func.count())
                            .select_from(Order)
                            .where(Order.id.in_([o["id"] for o in ok]))
                        )
                    ).scalar_one()
                    active = (
                        await conn.execute(
                            select(func.count())
                            .select_from(Hold)
                            .where(Hold.deal_id == deal["id"], Hold.status == "active")
                        )
                    ).scalar_one()
                    most = (
                        await conn.execute(
                            select(func.max(DealBuyer.units)).where(DealBuyer.deal_id == deal["id"])
                        )
                    ).scalar_one()
                assert found == len({o["id"] for o in ok}) == len(ok)  # every 2xx order exists
                async with db.read.connect() as conn:
                    holders = set(
                        (
                            await conn.execute(
                                select(Order.buyer_id)
                                .join(Hold, Hold.order_id == Order.id)
                                .where(Hold.deal_id == deal["id"], Hold.status == "active")
                            )
                        ).scalars()
                    )
                unanswered = [
                    (b.id, None if r is None else (r.status_code, r.text[:120]))
                    for b, r in zip(buyers, results, strict=True)
                    if b.id in holders and (r is None or r.status_code != 201)
                ]
                assert not unanswered, unanswered  # every order held was answered 2xx
                assert active == held == len(ok)
                assert most == 1  # the per-buyer limit held

                # The dead worker's admissions come back within seconds: a second wave buys
                # every unit the database says is left, and no more.
                await asyncio.sleep(RedisGate.LEASE_SECONDS + 1)
                left = stock - sold - held
                second = await _wave(base, url, await bulk_buyers(db, 120), asyncio.Event())
                got = [r for r in second if r is not None and r.status_code == 201]
                assert len(got) == left, (left, {getattr(r, "status_code", None) for r in second})
                assert await _row(db, deal["id"]) == (60, 0, 60)
    finally:
        await db.dispose()
