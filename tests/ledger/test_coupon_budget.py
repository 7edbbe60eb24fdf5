"""Issue 12: platform-funded LIVE coupons stop exactly at their program's budget. The budget is
reserved at checkout, in the order's transaction: 200 concurrent checkouts with a platform
coupon against a budget for 50 give exactly 50 discounted orders, and cancelling one gives
its share back."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from sqlalchemy import func, select

from liveshop.ledger.models import IncentiveAward, IncentiveProgram, LedgerTransfer
from liveshop.orders.models import Order
from liveshop.settings import Settings
from tests.kits.factories import Actor, Api, address
from tests.kits.promotions import API, db_uow
from tests.kits.shows import LiveShow, live_show
from tests.ledger.ledger_kit import program

BUYERS, EACH, VALUE, ROOM = 4, 50, 100, 50


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Each buyer places all of their checkouts before any is paid."""
    return settings.model_copy(
        update={"max_unpaid_orders": EACH + 2, "max_held_units_per_variant": EACH + 2}
    )


async def _buy(client: httpx.AsyncClient, buyer: Actor, show: LiveShow) -> httpx.Response:
    return await client.post(
        f"{API}/orders/buy-now",
        headers=buyer.headers,
        json={
            "market": "UK",
            "variant_id": show.variant_id,
            "quantity": 1,
            "address": address("UK"),
            "show_id": show.show_id,
            "coupons": ["PLAT100"],
        },
    )


async def _spent(client: httpx.AsyncClient, program_id: int) -> tuple[int, int]:
    async with db_uow(client) as uow:
        spent = await uow.session.scalar(
            select(IncentiveProgram.spent).where(IncentiveProgram.id == program_id)
        )
        awards = await uow.session.scalar(
            select(func.count()).where(IncentiveAward.program_id == program_id)
        )
    return int(spent or 0), int(awards or 0)


async def test_two_hundred_concurrent_checkouts_get_exactly_fifty_platform_discounts(
    api: Api, client: httpx.AsyncClient
) -> None:
    admin = await api.user("admin")
    made = await program(
        client, admin, name="LIVE coupons", kind="live_coupon", budget=VALUE * ROOM
    )
    show = await live_show(api, client, stock=BUYERS * EACH + 10, prices={"UK": 1000})
    r = await client.post(
        f"{API}/shows/{show.show_id}/coupons",
        headers=admin.headers,
        json={
            "code": "PLAT100",
            "kind": "amount",
            "value": VALUE,
            "market": "UK",
            "quota": BUYERS * EACH + 10,
            "per_buyer": EACH + 1,
        },
    )
    assert r.status_code == 201 and r.json()["funded_by"] == "platform", r.text
    buyers = [await api.user("buyer") for _ in range(BUYERS)]
    for buyer in buyers:
        for _ in range(EACH + 1):
            r = await client.post(
                f"{API}/shows/{show.show_id}/coupons/PLAT100/claim", headers=buyer.headers
            )
            assert r.status_code == 201, r.text

    results = await asyncio.gather(*(_buy(client, b, show) for b in buyers for _ in range(EACH)))
    placed = [r.json()[0] for r in results if r.status_code == 201]
    refused = [r for r in results if r.status_code != 201]
    assert len(placed) == ROOM
    assert {(r.status_code, r.json()["code"]) for r in refused} == {(409, "promotion_budget_spent")}
    assert all(o["total"]["amount"] == 1000 - VALUE for o in placed)
    assert await _spent(client, made["id"]) == (VALUE * ROOM, ROOM)
    async with db_uow(client) as uow:
        discounted = await uow.session.scalar(
            select(func.count()).where(Order.discount_total > 0, Order.shop_id == show.shop_id)
        )
        orders = await uow.session.scalar(select(func.count()).where(Order.shop_id == show.shop_id))
    assert (discounted, orders) == (ROOM, ROOM)  # a refusal placed nothing

    # One discounted order is cancelled: its share of the budget goes back, for one more.
    by_id = {b.id: b for b in buyers}
    first = placed[0]
    r = await client.post(
        f"{API}/orders/{first['id']}/cancel", headers=by_id[first["buyer_id"]].headers
    )
    assert r.status_code == 200, r.text
    assert await _spent(client, made["id"]) == (VALUE * (ROOM - 1), ROOM - 1)
    r = await _buy(client, buyers[0], show)
    assert r.status_code == 201, r.text
    placed = [*placed[1:], r.json()[0]]
    r = await _buy(client, buyers[1], show)
    assert (r.status_code, r.json()["code"]) == (409, "promotion_budget_spent")
    assert await _spent(client, made["id"]) == (VALUE * ROOM, ROOM)

    # Paid, each subsidy names the program, and the program's spend is the cap, never above.
    paid = await asyncio.gather(*(api.pay(by_id[o["buyer_id"]], o["id"]) for o in placed))
    assert [r.status_code for r in paid] == [201] * ROOM
    async with db_uow(client) as uow:
        legs = await uow.session.execute(
            select(func.count(), func.sum(LedgerTransfer.amount)).where(
                LedgerTransfer.ref == f"program:{made['id']}"
            )
        )
        assert tuple(legs.one()) == (ROOM, VALUE * ROOM)
    assert await _spent(client, made["id"]) == (VALUE * ROOM, ROOM)
    r = await client.get(f"{API}/ledger/admin/programs", headers=admin.headers)
    row = next(p for p in r.json() if p["id"] == made["id"])
    assert (row["budget"], row["spent"], row["left"]) == (VALUE * ROOM, VALUE * ROOM, 0)
