"""Budget test: 200 concurrent paid orders against a program with room for 50 subsidies."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from liveshop.ledger.models import IncentiveAward, IncentiveProgram, LedgerTransfer
from liveshop.settings import Settings
from tests.kits.factories import Api
from tests.kits.promotions import API, db_uow
from tests.ledger.ledger_kit import program

SHOPS, PER_SHOP, BONUS, ROOM = 4, 50, 100, 50


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """One buyer per shop places all of that shop's orders before any is paid."""
    return settings.model_copy(
        update={"max_unpaid_orders": PER_SHOP + 1, "max_held_units_per_variant": PER_SHOP + 1}
    )


async def test_two_hundred_concurrent_orders_get_exactly_fifty_subsidies(
    api: Api, client: httpx.AsyncClient
) -> None:
    admin = await api.user("admin")
    made = await program(
        client,
        admin,
        name="Launch bonus",
        kind="new_seller",
        budget=BONUS * ROOM,
        bonus=BONUS,
        first_days=30,
    )
    pays: list[Any] = []
    for _ in range(SHOPS):
        seller = await api.user("seller")
        shop = await api.shop(seller)
        product = await api.product(seller, shop["id"], stock=PER_SHOP, prices={"UK": 1000})
        buyer = await api.user("buyer")
        for _ in range(PER_SHOP):
            order = await api.order(buyer, product["variants"][0]["id"])
            pays.append(api.pay(buyer, order["id"]))
    results = await asyncio.gather(*pays)
    assert [r.status_code for r in results] == [201] * SHOPS * PER_SHOP

    async with db_uow(client) as uow:
        spent = await uow.session.scalar(
            select(IncentiveProgram.spent).where(IncentiveProgram.id == made["id"])
        )
        awards = await uow.session.scalar(
            select(func.count()).where(IncentiveAward.program_id == made["id"])
        )
        legs = await uow.session.execute(
            select(func.count(), func.sum(LedgerTransfer.amount)).where(
                LedgerTransfer.ref == f"program:{made['id']}"
            )
        )
        count, total = legs.one()
    assert spent == BONUS * ROOM
    assert awards == ROOM
    assert (count, total) == (ROOM, BONUS * ROOM)

    r = await client.get(f"{API}/ledger/admin/programs", headers=admin.headers)
    row = next(p for p in r.json() if p["id"] == made["id"])
    assert (row["budget"], row["spent"], row["left"]) == (5000, 5000, 0)
    assert sum(day["awards"] for day in row["burn"]) == ROOM
