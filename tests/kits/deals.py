"""Shared set-up for flash-deal tests: many buyers fast, a show with a deal, worker processes
(a real server comes from `tests.kits.server.serve`)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, update

from liveshop.accounts.models import AuthToken, User
from liveshop.accounts.security import hash_password
from liveshop.db import Database, utcnow
from liveshop.selling.deals.models import FlashDeal
from tests.kits.factories import Actor, Api, address
from tests.kits.shows import live_show

ROOT = Path(__file__).resolve().parents[2]


async def bulk_buyers(db: Database, n: int, market: str = "UK") -> list[Actor]:
    """Insert `n` buyers with bearer tokens in one go (signing up 2,000 through HTTP is slow)."""
    password = hash_password("bulk-buyer-password")
    tag = uuid.uuid4().hex[:6]
    users = [
        {
            "email": f"b{i}-{tag}@bulk.example",
            "handle": f"b{i}{tag}",
            "display_name": f"Buyer {i}",
            "password_hash": password,
            "roles": ["buyer"],
            "market_code": market,
            "city": "Leeds",
            "created_at": utcnow(),
        }
        for i in range(n)
    ]
    async with db.write.begin() as conn:
        ids = list((await conn.execute(insert(User).returning(User.id), users)).scalars())
        tokens = [uuid.uuid4().hex + uuid.uuid4().hex for _ in ids]
        await conn.execute(
            insert(AuthToken),
            [
                {
                    "user_id": uid,
                    "token_hash": hashlib.sha256(t.encode()).hexdigest(),
                    "kind": "api",
                    "name": "bulk",
                    "created_at": utcnow(),
                }
                for uid, t in zip(ids, tokens, strict=True)
            ],
        )
    return [
        Actor(uid, u["email"], t, market, {"Authorization": f"Bearer {t}"})
        for uid, u, t in zip(ids, users, tokens, strict=True)
    ]


async def show_with_deal(
    api: Api,
    client: httpx.AsyncClient,
    *,
    stock: int,
    limit: int = 1,
    variant_stock: int | None = None,
) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    """A seller's scheduled show with one product and a deal on it (still counting down)."""
    made = await live_show(
        api,
        client,
        stock=variant_stock or stock * 2,
        prices={"UK": 1999},
        title="Deal night",
        live=None,
    )
    r = await client.post(
        f"/api/v1/shows/{made.show_id}/deals",
        headers=made.seller.headers,
        json={
            "variant_id": made.variant_id,
            "prices": {"UK": 999},
            "stock": stock,
            "per_buyer_limit": limit,
            "countdown_seconds": 10,
            "duration_seconds": 600,
        },
    )
    assert r.status_code == 201, r.text
    return made.seller, made.show, r.json()


async def open_now(db: Database, deal_id: int) -> None:
    """Skip the countdown (the clock task would open it after 10 s)."""
    async with db.write.begin() as conn:
        await conn.execute(
            update(FlashDeal)
            .where(FlashDeal.id == deal_id)
            .values(opens_at=utcnow() - timedelta(seconds=1), status="open")
        )


def buy_body(market: str = "UK") -> dict[str, Any]:
    return {"market": market, "quantity": 1, "address": address(market)}
