"""Idempotency: settlement sweeps, reserve releases and payout runs, twice and on two workers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
from sqlalchemy import func, select

from liveshop.broker import InProcessBroker
from liveshop.db import Database, create_database, utcnow
from liveshop.ledger import payouts, settlement
from liveshop.ledger.models import LedgerTransfer, Payout, SandboxPayout
from liveshop.ledger.service import open_pendings
from liveshop.ledger.terms import Terms
from liveshop.settings import Settings
from tests.kits.factories import Api
from tests.kits.promotions import API, db_uow
from tests.ledger.ledger_kit import balances, deliver, ledger_check


async def _transfer_ids(client: httpx.AsyncClient) -> set[str]:
    async with db_uow(client) as uow:
        return set((await uow.session.execute(select(LedgerTransfer.id))).scalars())


async def _two_workers(database_url: str) -> tuple[Database, Database]:
    """Two processes' worth of engines and pools on the same database."""
    return create_database(database_url), create_database(database_url)


async def test_sweeps_and_payout_runs_twice_and_concurrently_post_once(
    api: Api, client: httpx.AsyncClient, settings: Settings, database_url: str
) -> None:
    admin = await api.user("admin")
    shops = []
    orders: list[int] = []
    for _ in range(3):
        seller = await api.user("seller")
        shop = await api.shop(seller)
        r = await client.put(
            f"{API}/ledger/admin/shops/{shop['id']}/terms",
            headers=admin.headers,
            json={"reserve_bp": 500, "reserve_days": 10},
        )
        assert r.status_code == 200
        product = await api.product(seller, shop["id"], stock=5, prices={"UK": 3000})
        for _ in range(2):
            order = await api.paid_order(await api.user("buyer"), product["variants"][0]["id"])
            await deliver(client, seller, order["id"], days_ago=9)
            orders.append(order["id"])
        shops.append(shop["id"])

    # What one sweep must write: every open pending resolved once, and one reserve per order.
    expected: set[str] = set()
    async with db_uow(client) as uow:
        for order_id in orders:
            for p in await open_pendings(uow.session, order_id=order_id):
                expected.add(f"{p.id}:post")
            expected.add(f"o{order_id}:reserve")
    before = await _transfer_ids(client)

    terms = Terms.of(settings)
    one, two = await _two_workers(database_url)
    broker = InProcessBroker()
    try:
        counts = await asyncio.gather(
            settlement.settle_due(one, broker, terms), settlement.settle_due(two, broker, terms)
        )
        assert sum(counts) == len(orders)
        assert await settlement.settle_due(one, broker, terms) == 0
        assert await _transfer_ids(client) - before == expected

        # Reserve releases, when due (10 days on), also once.
        later = utcnow() + timedelta(days=11)
        released = await asyncio.gather(
            settlement.release_reserves(one, broker, at=later),
            settlement.release_reserves(two, broker, at=later),
        )
        assert sum(released) == len(orders)
        assert await settlement.release_reserves(one, broker, at=later) == 0

        owed = {
            shop: posted
            for (ccy, kind, shop), (posted, _pending) in (await balances(client)).items()
            if kind == "seller_payable" and ccy == "GBP"
        }
        assert set(owed) == set(shops) and all(v > 0 for v in owed.values())

        # Two workers start runs at once (different run ids): each seller is paid once.
        runs = await asyncio.gather(
            payouts.run_once(
                one, broker, payouts.SandboxPayoutProvider(), currency="GBP", run_id="w1", minimum=1
            ),
            payouts.run_once(
                two, broker, payouts.SandboxPayoutProvider(), currency="GBP", run_id="w2", minimum=1
            ),
        )
        assert sum(r.payouts for r in runs) == len(shops)
        assert sum(r.total for r in runs) == sum(owed.values())
        # The same run id twice at once: one run, the other gets it back.
        same = await asyncio.gather(
            payouts.run_once(
                one, broker, payouts.SandboxPayoutProvider(), currency="GBP", run_id="w3", minimum=1
            ),
            payouts.run_once(
                two, broker, payouts.SandboxPayoutProvider(), currency="GBP", run_id="w3", minimum=1
            ),
        )
        assert [r.id for r in same] == ["w3", "w3"] and same[0].payouts == 0
    finally:
        await one.dispose()
        await two.dispose()

    async with db_uow(client) as uow:
        paid = await uow.session.execute(
            select(Payout.owner_id, func.count(), func.sum(Payout.amount))
            .where(Payout.status == "sent")
            .group_by(Payout.owner_id)
        )
        assert {shop: (n, total) for shop, n, total in paid.all()} == {
            shop: (1, owed[shop]) for shop in shops
        }
        assert await uow.session.scalar(select(func.count()).select_from(SandboxPayout)) == len(
            shops
        )
    after = await balances(client)
    assert all(after[("GBP", "seller_payable", shop)] == (0, 0) for shop in shops)
    result = ledger_check(database_url)
    assert result.returncode == 0, result.stdout
