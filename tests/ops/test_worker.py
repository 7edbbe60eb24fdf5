"""`liveshop worker`: with two web workers and two job workers, each expiring hold is swept
exactly once, and killing the working job worker mid-run loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from liveshop.catalog.models import Variant
from liveshop.db import create_oneoff_engine
from liveshop.leases import JobLease
from liveshop.orders.models import Order, OrderEvent
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.factories import Api, address
from tests.kits.server import LIVESHOP, log_tail, serve, spawn, stop

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODE != "distributed", reason="job workers pair with PostgreSQL + Redis"),
]
HOLD_MINUTES = 0.05  # three seconds


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"hold_minutes": HOLD_MINUTES})


JOBS_ENV = {
    "LIVESHOP_LOG_LEVEL": "INFO",
    "LIVESHOP_JOBS_IN_WEB": "false",
    "LIVESHOP_SWEEP_INTERVAL_SECONDS": "0.3",
    "LIVESHOP_JOB_LEASE_SECONDS": "2",
    "LIVESHOP_HOLD_MINUTES": str(HOLD_MINUTES),
}


@contextlib.asynccontextmanager
async def processes(settings: Settings, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Two web workers that leave the jobs alone, and two `liveshop worker`s that run them."""
    async with serve(settings, tmp_path, workers=2, env=JOBS_ENV) as web:
        with (tmp_path / "workers.log").open("wb") as log:
            workers = [
                await spawn([*LIVESHOP, "worker"], env=web.env, log=log, cwd=tmp_path)
                for _ in range(2)
            ]
        try:
            yield {"web": web.proc, "workers": workers, "url": web.url}
        except Exception:
            sys.stderr.write(log_tail(tmp_path / "workers.log") + "\n")
            raise
        finally:
            await stop(*workers)


async def _query(url: str, stmt: Any) -> list[Any]:
    engine = create_oneoff_engine(url)
    try:
        async with engine.connect() as conn:
            return list((await conn.execute(stmt)).all())
    finally:
        await engine.dispose()


async def _holder_pid(url: str) -> int | None:
    rows = await _query(url, select(JobLease.holder).where(JobLease.name == "jobs"))
    return int(rows[0][0].split(":")[1]) if rows and rows[0][0] else None


async def _place(http: httpx.AsyncClient, buyers: list[Any], variant_id: int) -> list[int]:
    ids = []
    for buyer in buyers:
        r = await http.post(
            "/api/v1/orders/buy-now",
            headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
            json={
                "market": "UK",
                "variant_id": variant_id,
                "quantity": 1,
                "address": address("UK"),
            },
        )
        assert r.status_code == 201, r.text
        ids.extend(o["id"] for o in r.json())
    return ids


async def _swept(url: str, ids: list[int], within: float) -> dict[int, int]:
    """Each order's number of cancellations, once every one of them is cancelled."""
    deadline = time.monotonic() + within
    while True:
        rows = await _query(
            url,
            select(OrderEvent.order_id, func.count(OrderEvent.id))
            .where(OrderEvent.order_id.in_(ids), OrderEvent.kind == "cancelled")
            .group_by(OrderEvent.order_id),
        )
        counts = {int(o): int(n) for o, n in rows}
        if len(counts) == len(ids):
            return counts
        assert time.monotonic() < deadline, f"only {len(counts)} of {len(ids)} swept"
        await asyncio.sleep(0.3)


async def test_two_job_workers_sweep_each_hold_once_and_survive_a_kill(
    api: Api, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    url = settings.database_url
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=40, prices={"UK": 1500})
    variant_id = product["variants"][0]["id"]
    buyers = [await api.user("buyer") for _ in range(16)]

    async with (
        processes(settings, tmp_path) as procs,
        httpx.AsyncClient(base_url=procs["url"], timeout=10) as http,
    ):
        worker_pids = {w.pid for w in procs["workers"]}
        first = await _place(http, buyers[:8], variant_id)
        counts = await _swept(url, first, within=30)
        assert set(counts.values()) == {1}, counts
        active = await _holder_pid(url)
        assert active in worker_pids, (active, worker_pids)  # never a web worker

        # The working job worker dies (SIGKILL, no goodbye) while new holds are running out.
        second = await _place(http, buyers[8:], variant_id)
        await asyncio.sleep(HOLD_MINUTES * 60 - 0.5)
        victim = next(w for w in procs["workers"] if w.pid == active)
        os.killpg(victim.pid, signal.SIGKILL)
        counts = await _swept(url, second, within=30)
        assert set(counts.values()) == {1}, counts
        assert await _holder_pid(url) in worker_pids - {active}

    statuses = await _query(url, select(Order.status).where(Order.id.in_(first + second)))
    assert {s for (s,) in statuses} == {"cancelled"}
    stock = await _query(url, select(Variant.stock - Variant.held).where(Variant.id == variant_id))
    assert stock[0][0] == 40  # every held unit came back, once
