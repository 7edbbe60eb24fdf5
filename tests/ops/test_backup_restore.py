"""The restore drill of docs/operations.md, performed: dump a database with orders, restore it
into an empty one, and find it at the same revision, passing `liveshop db check`, with the
same orders."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from liveshop.db import create_oneoff_engine
from liveshop.orders.models import Order
from liveshop.settings import Settings
from tests.conftest import MODE, _pg_recreate
from tests.kits.factories import Api, address
from tests.kits.system import require

LIVESHOP = Path(sys.executable).parent / "liveshop"
pytestmark = pytest.mark.skipif(MODE != "distributed", reason="the drill is PostgreSQL's")


def _libpq(url: str) -> str:
    """What pg_dump and pg_restore take: the same database without the driver name."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _run(*argv: str) -> None:
    done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


async def _orders(url: str) -> list[tuple[int, str, int, str]]:
    engine = create_oneoff_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(Order.id, Order.status, Order.total, Order.currency).order_by(Order.id)
            )
            return [(int(a), str(b), int(c), str(d)) for a, b, c, d in rows.all()]
    finally:
        await engine.dispose()


async def test_a_dump_restores_into_an_empty_database_with_the_same_orders(
    api: Api, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    pg_dump = require("pg_dump", "the drill uses PostgreSQL's own dump (postgresql-client)")
    pg_restore = require("pg_restore", "the drill uses PostgreSQL's own restore")
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=10, prices={"UK": 2500})
    buyer = await api.user("buyer")
    for _ in range(3):
        r = await client.post(
            "/api/v1/orders/buy-now",
            headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
            json={
                "market": "UK",
                "variant_id": product["variants"][0]["id"],
                "quantity": 1,
                "address": address("UK"),
            },
        )
        assert r.status_code == 201, r.text
    paid = r.json()[0]["id"]
    r = await client.post(
        f"/api/v1/orders/{paid}/payments",
        headers={**buyer.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"card_number": "4242424242424242"},
    )
    assert r.status_code in (200, 201), r.text
    before = await _orders(settings.database_url)
    assert len(before) == 3 and "paid" in {status for _, status, _, _ in before}

    dump = tmp_path / "liveshop.dump"
    await _run(pg_dump, "--format=custom", f"--file={dump}", _libpq(settings.database_url))
    target = make_url(settings.database_url)
    target = target.set(database=f"{target.database}_restored")
    restored = target.render_as_string(hide_password=False)
    await _pg_recreate(restored)
    await _run(
        pg_restore, "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored)}", str(dump)
    )

    env = {**os.environ, "LIVESHOP_DATABASE_URL": restored, "LIVESHOP_ENV": "test"}
    check = await asyncio.to_thread(
        subprocess.run,
        [str(LIVESHOP), "db", "check"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert await _orders(restored) == before
