"""`liveshop worker`: with two web workers and two job workers, each expiring hold is swept
exactly once, and killing the working job worker mid-run loses nothing."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
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
from tests.factories import Api, address
from tests.system import free_port

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODE != "distributed", reason="job workers pair with PostgreSQL + Redis"),
]
LIVESHOP = Path(sys.executable).parent / "liveshop"
HOLD_MINUTES = 0.05  # three seconds


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"hold_minutes": HOLD_MINUTES})


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "LIVESHOP_ENV": "test",
        "LIVESHOP_DATABASE_URL": settings.database_url,
        "LIVESHOP_REDIS_URL": settings.redis_url or "",
        "LIVESHOP_SECRET_KEY": settings.secret_key,
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_LOG_JSON": "false",
        "LIVESHOP_JOBS_IN_WEB": "false",
        "LIVESHOP_SWEEP_INTERVAL_SECONDS": "0.3",
        "LIVESHOP_JOB_LEASE_SECONDS": "2",
        "LIVESHOP_HOLD_MINUTES": str(HOLD_MINUTES),
        **extra,
    }


@contextlib.asynccontextmanager
async def processes(settings: Settings, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    port = free_port()
    log = (tmp_path / "procs.log").open("wb")
    web = await asyncio.create_subprocess_exec(
        *(str(LIVESHOP), "serve", "--port", str(port), "--workers", "2", "--no-migrate"),
        env=_env(settings),
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    workers = [
        await asyncio.create_subprocess_exec(
            str(LIVESHOP),
            "worker",
            env=_env(settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            deadline = time.monotonic() + 30
            while True:
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                assert time.monotonic() < deadline, (tmp_path / "procs.log").read_text()
                await asyncio.sleep(0.2)
        yield {"web": web, "workers": workers, "url": f"http://127.0.0.1:{port}"}
    finally:
        for proc in [web, *workers]:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in [web, *workers]:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
        log.close()


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
