"""Issue 12: Indonesia's platform fee depends on the product's category (4-6.5 %), plus a
fixed fee per order; other markets keep one rate."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from liveshop.ledger.models import LedgerTransfer
from liveshop.ledger.terms import Terms
from liveshop.settings import Settings
from tests.kits.factories import Actor, Api
from tests.kits.promotions import API, db_uow

PRICE = 200_000  # IDR, no minor unit; prices include VAT, and the ID fee is on the gross
FIXED = 500  # the seeded fixed fee per order in ID


async def _fee(client: httpx.AsyncClient, order_id: int) -> int:
    async with db_uow(client) as uow:
        found = await uow.session.execute(
            select(LedgerTransfer.amount).where(LedgerTransfer.id == f"o{order_id}:fee")
        )
        return int(found.scalar_one())


async def _labelled(
    api: Api, client: httpx.AsyncClient, seller: Actor, shop: int, cat: str | None
) -> int:
    product = await api.product(seller, shop, prices={"ID": PRICE})
    if cat is not None:
        r = await client.put(
            f"{API}/products/{product['id']}/labels",
            headers=seller.headers,
            json={"category": cat, "tags": []},
        )
        assert r.status_code == 200, r.text
    variant: int = product["variants"][0]["id"]
    return variant


async def test_indonesian_fee_by_category_plus_fixed_fee(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller", market="ID")
    shop = (await api.shop(seller, market="ID"))["id"]
    phone = await _labelled(api, client, seller, shop, "Electronics")
    dress = await _labelled(api, client, seller, shop, "fashion")
    other = await _labelled(api, client, seller, shop, None)
    buyer = await api.user("buyer", market="ID")
    fees = {}
    for name, variant in (("phone", phone), ("dress", dress), ("other", other)):
        order = await api.paid_order(buyer, variant)
        fees[name] = await _fee(client, order["id"])
    assert fees == {
        "phone": PRICE * 400 // 10_000 + FIXED,  # electronics 4 %
        "dress": PRICE * 650 // 10_000 + FIXED,  # fashion 6.5 %
        "other": PRICE * 500 // 10_000 + FIXED,  # no category: the market's 5 %
    }

    # The UK keeps one rate whatever the category: 9 %, no fixed fee.
    uk_seller = await api.user("seller")
    uk_shop = (await api.shop(uk_seller))["id"]
    product = await api.product(uk_seller, uk_shop, prices={"UK": 3000})
    r = await client.put(
        f"{API}/products/{product['id']}/labels",
        headers=uk_seller.headers,
        json={"category": "electronics", "tags": []},
    )
    assert r.status_code == 200, r.text
    order = await api.paid_order(await api.user("buyer"), product["variants"][0]["id"])
    assert await _fee(client, order["id"]) == 270


def test_a_mixed_order_splits_its_base_by_line_value() -> None:
    terms = Terms.of(Settings())
    # 300,000 of electronics (4 %) and 100,000 of beauty (6.5 %) in one order.
    lines = [(300_000, "electronics"), (100_000, "Beauty ")]
    assert terms.fee("ID", 400_000, lines) == 12_000 + 6_500 + FIXED
    # A platform discount raises the base; the split follows the lines' values.
    assert terms.fee("ID", 440_000, lines) == (330_000 * 400 + 110_000 * 650) // 10_000 + FIXED
    assert terms.fee("ID", 400_000) == 20_000 + FIXED  # no lines known: the market's rate
