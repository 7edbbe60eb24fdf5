"""Browser test: seller finance, creator earnings and admin finance in Debian's chromium.

Against a real `liveshop serve`: two paid orders (one with a creator's commission), one
settled, one still pending. The pages must draw their charts, and every figure they show must
equal the ledger's own account balances. Screenshots at phone and desktop sizes.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from liveshop.accounts.models import User
from liveshop.broker import InProcessBroker
from liveshop.db import create_database, utcnow
from liveshop.ledger import posting
from liveshop.ledger.models import LedgerAccount
from liveshop.orders import service as orders
from liveshop.orders.models import Order
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork
from tests.kits.factories import db_exec
from tests.kits.web import (
    ADDRESS,
    DESKTOP,
    PHONE,
    SHOTS,
    api_signup,
    browser,
    logged_in,
    serve,
    wait_js,
)

pytestmark = pytest.mark.slow
API = "/api/v1"


def _bearer(body: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {body['token']}"}


async def _paid_order(api: httpx.AsyncClient, variant_id: int) -> int:
    _email, buyer = await api_signup(api, "Bea Buyer", ["buyer"])
    r = await api.post(
        f"{API}/orders/buy-now",
        headers=_bearer(buyer),
        json={
            "market": "UK",
            "variant_id": variant_id,
            "quantity": 1,
            "address": {**ADDRESS, "country": "UK"},
        },
    )
    assert r.status_code == 201, r.text
    order_id: int = r.json()[0]["id"]
    r = await api.post(
        f"{API}/orders/{order_id}/payments",
        headers={**_bearer(buyer), "Idempotency-Key": uuid.uuid4().hex},
        json={"card_number": "4242424242424242"},
    )
    assert r.status_code == 201, r.text
    return order_id


async def _balances(url: str, kind: str, owner: int) -> tuple[int, int]:
    db = create_database(url)
    try:
        async with UnitOfWork(db=db, broker=InProcessBroker(), write=False) as uow:
            row = (
                await uow.session.execute(
                    select(LedgerAccount).where(
                        LedgerAccount.kind == kind, LedgerAccount.owner_id == owner
                    )
                )
            ).scalar_one()
            return row.credits_posted - row.debits_posted, row.credits_pending - row.debits_pending
    finally:
        await db.dispose()


async def _tiles(page: Any) -> dict[str, int]:
    found: dict[str, int] = await page.evaluate(
        "Object.fromEntries([...document.querySelectorAll('[data-tile]')].map("
        "t => [t.dataset.tile, Number(t.querySelector('[data-amount]').dataset.amount)]))"
    )
    return found


async def _shoot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.screenshot(path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True)
    await page.set_viewport_size(DESKTOP)


async def test_finance_pages_draw_the_ledgers_figures(settings: Settings, tmp_path: Path) -> None:
    async with (
        serve(settings, tmp_path, media=False) as server,
        httpx.AsyncClient(base_url=server.url, timeout=30) as api,
    ):
        seller_email, seller = await api_signup(api, "Sam Seller", ["seller"])
        creator_email, creator = await api_signup(api, "Cleo Creator", ["creator"])
        admin_email, admin = await api_signup(api, "Ada Admin", ["buyer"])
        await db_exec(
            settings.database_url,
            update(User).where(User.id == admin["user"]["id"]).values(roles=["admin", "buyer"]),
        )
        r = await api.post(
            f"{API}/shops", headers=_bearer(seller), json={"name": "Ledger Lane", "market": "UK"}
        )
        assert r.status_code == 201, r.text
        shop = r.json()["id"]
        r = await api.post(
            f"{API}/shops/{shop}/products",
            headers=_bearer(seller),
            json={
                "title": "Mug",
                "status": "active",
                "variants": [
                    {
                        "sku": f"M-{uuid.uuid4().hex[:6]}",
                        "stock": 10,
                        "prices": [{"market": "UK", "currency": "GBP", "amount": 2500}],
                    }
                ],
            },
        )
        assert r.status_code == 201, r.text
        variant = r.json()["variants"][0]["id"]
        settled_order = await _paid_order(api, variant)
        await _paid_order(api, variant)  # stays pending

        db = create_database(settings.database_url)
        try:
            async with UnitOfWork(db=db, broker=InProcessBroker()) as uow:
                order = await orders.load(session=uow.session, order_id=settled_order)
                await posting.post_commission(
                    uow.session,
                    order_id=settled_order,
                    line_id=order.lines[0].id,
                    creator_id=creator["user"]["id"],
                    amount=250,
                )
                await uow.commit()
        finally:
            await db.dispose()
        for path in (f"{API}/orders/{settled_order}/ship", f"{API}/orders/{settled_order}/deliver"):
            body = {"carrier": "DPD", "tracking_number": "D1"} if path.endswith("ship") else None
            r = await api.post(path, headers=_bearer(seller), json=body)
            assert r.is_success, r.text
        await db_exec(
            settings.database_url,
            update(Order)
            .where(Order.id == settled_order)
            .values(delivered_at=utcnow() - timedelta(days=9)),
        )
        # The server's own ledger sweep may settle it first; the admin's sweep settles the rest.
        r = await api.post(f"{API}/ledger/admin/settle", headers=_bearer(admin))
        assert r.status_code == 200 and r.json()["settled"] in (0, 1), r.text
        for _ in range(100):
            payable, pending = await _balances(settings.database_url, "seller_payable", shop)
            if payable > 0:
                break
            await asyncio.sleep(0.1)
        assert payable > 0 and pending > 0
        c_payable, c_pending = await _balances(
            settings.database_url, "creator_payable", creator["user"]["id"]
        )
        assert (c_payable, c_pending) == (250, 0)

        async with browser() as b:
            ctx = await logged_in(b, server.url, seller_email)
            page = await ctx.new_page()
            await page.goto(f"{server.url}/seller/finance")
            await wait_js(page, "document.body.dataset.ready === 'finance'")
            assert await page.locator("figure.chart svg g.bar").count() >= 3
            tiles = await _tiles(page)
            assert (tiles["payable"], tiles["pending"]) == (payable, pending)
            # The chart's bars and its table say the same as the ledger's per-code sums.
            bars: dict[str, int] = await page.evaluate(
                "Object.fromEntries([...document.querySelectorAll('g.bar')]"
                ".map(g => [g.dataset.key, Number(g.dataset.value)]))"
            )
            assert sum(bars.values()) == payable
            cells = await page.locator("table.figures td[data-amount]").count()
            assert cells == len(bars)
            href = await page.locator("#statement").get_attribute("href")
            csv = await ctx.request.get(f"{server.url}{href}")
            assert csv.ok and f"o{settled_order}:pay" in await csv.text()
            await _shoot(page, "ledger-seller-finance")

            ctx2 = await logged_in(b, server.url, creator_email, viewport=PHONE)
            page2 = await ctx2.new_page()
            await page2.goto(f"{server.url}/studio/earnings")
            await wait_js(page2, "document.body.dataset.ready === 'earnings'")
            assert (
                await page2.locator("figure.chart svg g.bar").count() == 2
            )  # per show, per product
            tiles = await _tiles(page2)
            assert (tiles["payable"], tiles["pending"], tiles["paid"]) == (250, 0, 0)
            assert (
                await page2.locator("figure.chart svg g.bar").first.get_attribute("data-value")
                == "250"
            )
            await _shoot(page2, "ledger-creator-earnings")

            ctx3 = await logged_in(b, server.url, admin_email)
            page3 = await ctx3.new_page()
            await page3.goto(f"{server.url}/admin/finance")
            await wait_js(page3, "document.body.dataset.ready === 'admin-finance'")
            assert "sums to zero" in await page3.locator("#trial").inner_text()
            await page3.get_by_role("button", name="Pay out now").click()
            await wait_js(page3, "document.querySelectorAll('#runs tbody tr').length === 1")
            await _shoot(page3, "ledger-admin-finance")
        assert (await _balances(settings.database_url, "seller_payable", shop))[0] == 0
