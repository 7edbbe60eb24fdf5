"""Incentive programs: a zero-fee new-seller program and creator GMV tiers post subsidies."""

from __future__ import annotations

import httpx

from liveshop.ledger import posting
from liveshop.orders import service as orders
from tests.kits.factories import Api
from tests.kits.promotions import API, db_uow
from tests.ledger.ledger_kit import balances, program


async def test_zero_fee_for_a_new_sellers_first_order_only(
    api: Api, client: httpx.AsyncClient
) -> None:
    admin = await api.user("admin")
    made = await program(
        client, admin, name="Zero fee", kind="new_seller", budget=1_000, fee_bp=0, first_orders=1
    )
    seller = await api.user("seller")
    shop = (await api.shop(seller))["id"]
    product = await api.product(seller, shop, prices={"UK": 3000})
    for _ in range(2):
        await api.paid_order(await api.user("buyer"), product["variants"][0]["id"])
    # Fee 9% of 3000 = 270 on each order; the program pays back the first one's.
    got = await balances(client)
    assert got[("GBP", "seller_payable", shop)] == (0, 2 * 3000 - 2 * 270 + 270)
    assert got[("GBP", "subsidy_expense", 0)] == (0, -270)
    r = await client.get(f"{API}/ledger/admin/programs", headers=admin.headers)
    assert next(p for p in r.json() if p["id"] == made["id"])["spent"] == 270


async def test_creator_gmv_tiers_pay_each_tier_once(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    await program(
        client,
        admin,
        name="Creator tiers",
        kind="creator_gmv_tier",
        budget=10_000,
        tiers=[[4000, 50], [8000, 200]],
    )
    creator = await api.user("creator")
    seller = await api.user("seller")
    shop = (await api.shop(seller))["id"]
    product = await api.product(seller, shop, prices={"UK": 3000})
    for n in range(3):
        order = await api.paid_order(await api.user("buyer"), product["variants"][0]["id"])
        async with db_uow(client) as uow:
            loaded = await orders.load(session=uow.session, order_id=order["id"])
            await posting.post_commission(
                uow.session,
                order_id=order["id"],
                line_id=loaded.lines[0].id,
                creator_id=creator.id,
                amount=300,
            )
            await uow.commit()
        got = (await balances(client))[("GBP", "creator_payable", creator.id)]
        # GMV 3000, 6000, 9000: the first tier is reached on the second order, both by the third.
        bonus = {0: 0, 1: 50, 2: 250}[n]
        assert got == (bonus, 300 * (n + 1)), n
