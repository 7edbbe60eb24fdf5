"""Shared set-up for auction, giveaway and coupon tests: a live show and direct DB access."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from sqlalchemy import update

from liveshop.live.models import Show
from liveshop.uow import UnitOfWork
from tests.kits.factories import Actor, Api

API = "/api/v1"


@dataclass
class LiveShow:
    seller: Actor
    shop_id: int
    show_id: int
    product_id: int
    variant_id: int


def app_of(client: httpx.AsyncClient) -> Any:
    return client._transport.app  # type: ignore[attr-defined]


@asynccontextmanager
async def db_uow(client: httpx.AsyncClient) -> AsyncIterator[UnitOfWork]:
    """A unit of work on the app's database, for arranging state (time, status) directly."""
    app = app_of(client)
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        yield uow


async def live_show(
    api: Api,
    client: httpx.AsyncClient,
    *,
    stock: int = 5,
    prices: dict[str, int] | None = None,
    host: Actor | None = None,
    markets: list[str] | None = None,
) -> LiveShow:
    """A seller's show with one product, switched live in the database (no go-live API here)."""
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=stock, prices=prices or {"UK": 1000})
    if host is not None:
        r = await client.post(
            f"{API}/shops/{shop['id']}/creators",
            headers=seller.headers,
            json={"creator_id": host.id},
        )
        assert r.status_code == 201, r.text
    owner = host or seller
    body: dict[str, Any] = {
        "title": "Live now",
        "starts_at": "2030-01-01T18:00:00Z",
        "markets": markets or sorted((prices or {"UK": 1000}).keys()),
        "product_ids": [product["id"]],
    }
    if host is None:
        body["shop_id"] = shop["id"]
    r = await client.post(f"{API}/shows", headers=owner.headers, json=body)
    assert r.status_code == 201, r.text
    show_id = r.json()["id"]
    await set_show_status(client, show_id, "live")
    return LiveShow(seller, shop["id"], show_id, product["id"], product["variants"][0]["id"])


async def set_show_status(client: httpx.AsyncClient, show_id: int, status: str) -> None:
    async with db_uow(client) as uow:
        await uow.session.execute(update(Show).where(Show.id == show_id).values(status=status))
        await uow.commit()
