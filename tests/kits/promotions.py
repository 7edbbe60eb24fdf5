"""Shared set-up for auction, giveaway and coupon tests: direct DB access, an auction (the
live show comes from `tests.kits.shows.live_show`)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from liveshop.uow import UnitOfWork
from tests.kits.shows import LiveShow, app_of

API = "/api/v1"


@asynccontextmanager
async def db_uow(app_or_client: Any) -> AsyncIterator[UnitOfWork]:
    """A unit of work on the app's database, for arranging state (time, status) directly.
    Takes the app, or an in-process client of it (whose app it finds the way `Api` does)."""
    app = app_of(app_or_client)
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        yield uow


# Bid increments: +1.00 up to 20.00, +2.50 up to 100.00, +10.00 above.
TABLE = [[0, 100], [2000, 250], [10000, 1000]]


async def open_auction(
    client: httpx.AsyncClient, show: LiveShow, **overrides: Any
) -> dict[str, Any]:
    body = {
        "variant_id": show.variant_id,
        "market": "UK",
        "start_price": 1000,
        "increments": TABLE,
        "duration_seconds": 120,
        "anti_snipe_seconds": 10,
        **overrides,
    }
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions", headers=show.seller.headers, json=body
    )
    assert r.status_code == 201, r.text
    auction: dict[str, Any] = r.json()
    return auction
