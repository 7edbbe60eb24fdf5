"""Redis dies in the middle of a flash sale: nothing is sold twice, no accepted hold is lost."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from liveshop.db import create_database
from liveshop.orders.models import Hold, Order
from tests.kits.deals import bulk_buyers, buy_body, open_now, show_with_deal
from tests.kits.factories import Api
from tests.kits.server import PrivateRedis
from tests.kits.system import require

pytestmark = pytest.mark.slow


async def test_redis_restart_mid_sale(settings, make_app, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    redis = PrivateRedis(require("redis-server", "the fault test restarts a real Redis"), tmp_path)
    await redis.start()
    fallbacks = REGISTRY.get_sample_value("liveshop_deal_gate_fallbacks_total", {"step": "take"})
    settings.redis_url = redis.url
    db = create_database(settings.database_url)
    try:
        async with make_app(settings, run_background=True) as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://t", timeout=60
            ) as client:
                api = Api(client, app=app)
                _, _, deal = await show_with_deal(api, client, stock=60, variant_stock=100)
                await open_now(db, deal["id"])
                buyers = await bulk_buyers(db, 600)

                async def buy(i: int) -> httpx.Response:
                    await asyncio.sleep(i * 0.004)  # a steady stream across the outage
                    headers = {**buyers[i].headers, "Idempotency-Key": f"fault-{uuid.uuid4().hex}"}
                    return await client.post(
                        f"/api/v1/deals/{deal['id']}/buy", headers=headers, json=buy_body()
                    )

                wave = asyncio.gather(*(buy(i) for i in range(len(buyers))))

                async def held() -> int:
                    async with db.read.connect() as conn:
                        stmt = (
                            select(func.count()).select_from(Hold).where(Hold.deal_id == deal["id"])
                        )
                        return int((await conn.execute(stmt)).scalar_one())

                while await held() < 20:  # noqa: ASYNC110 - polling the database is the point
                    await asyncio.sleep(0.01)
                redis.kill()
                killed_at = await held()
                await asyncio.sleep(0.5)
                await redis.start()
                results = await wave

        ok = [r.json() for r in results if r.status_code == 201]
        assert {r.status_code for r in results} <= {201, 409}
        assert killed_at < 60, "the outage must fall inside the sale"
        assert len(ok) == 60
        assert len({o["id"] for o in ok}) == 60
        async with db.read.connect() as conn:
            active = (
                (
                    await conn.execute(
                        select(Hold.order_id).where(
                            Hold.deal_id == deal["id"], Hold.status == "active"
                        )
                    )
                )
                .scalars()
                .all()
            )
            statuses = (
                (
                    await conn.execute(
                        select(Order.status).where(Order.id.in_([o["id"] for o in ok]))
                    )
                )
                .scalars()
                .all()
            )
        assert sorted(active) == sorted(o["id"] for o in ok)  # every accepted hold is there
        assert set(statuses) == {"pending_payment"}
        # Operators see the outage: buys the gate could not decide went to the database.
        after = REGISTRY.get_sample_value("liveshop_deal_gate_fallbacks_total", {"step": "take"})
        assert (after or 0) > (fallbacks or 0)
    finally:
        redis.kill()
        await db.dispose()
