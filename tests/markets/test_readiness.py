"""Launch readiness: the numbers an operator reads before opening a market."""

from __future__ import annotations

from datetime import timedelta

import httpx

from liveshop.db import utcnow
from liveshop.i18n import catalog
from liveshop.markets.models import Market
from liveshop.web.pages.markets import Readiness, readiness
from tests.kits.factories import Api
from tests.kits.promotions import API, db_uow


async def test_readiness_counts_what_the_market_has(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    seller = await api.user("seller", market="DE")
    shop = await api.shop(seller, market="DE")
    await api.shop(await api.user("seller", market="DE"), market="DE", verification="pending")
    priced = await api.product(seller, shop["id"], prices={"DE": 1500})
    await api.product(seller, shop["id"], prices={"UK": 1500})  # active, not priced in DE
    await api.product(seller, shop["id"], prices={"DE": 900}, status="draft")
    await api.user("creator", market="DE")
    creator = await api.user("creator", market="DE")
    await api.user("creator", market="UK")

    async def show(days: float, markets: list[str]) -> None:
        starts = (utcnow() + timedelta(days=days)).isoformat()
        r = await client.post(
            f"{API}/shows",
            headers=seller.headers,
            json={
                "title": "Kaffee live",
                "starts_at": starts,
                "markets": markets,
                "shop_id": shop["id"],
                "product_ids": [priced["id"]],
            },
        )
        assert r.status_code == 201, r.text

    await show(3, ["DE"])
    await show(10, ["DE", "FR"])
    await show(20, ["DE"])  # past the two weeks
    await show(2, ["FR"])

    async def numbers() -> Readiness:
        async with db_uow(client) as uow:
            market = await uow.session.get(Market, "DE")
            assert market is not None
            return await readiness(uow.session, market)

    ready = await numbers()
    assert ready.verified_shops == 1
    assert ready.creators == 2
    assert ready.shows_next_two_weeks == 2
    assert (ready.products_priced, ready.products_active) == (1, 2)
    # German's share of the catalogue, from the .po file the translators fill.
    german = catalog.coverage("de")
    done = german.total - len(german.missing)
    assert ready.translations.endswith(f"({done} of {german.total} messages)")

    # In pilot, creators allowed to sell are the allow-listed ones.
    for path, body in [
        ("phase", {"phase": "pilot", "reason": "Pilot"}),
        ("allowed", {"kind": "creator", "subject_id": creator.id, "reason": "Partner"}),
        ("allowed", {"kind": "shop", "subject_id": shop["id"], "reason": "Partner"}),
    ]:
        r = await client.post(f"{API}/admin/markets/DE/{path}", headers=admin.headers, json=body)
        assert r.status_code == 200, r.text
    ready = await numbers()
    assert ready.creators == 1
    assert ready.verified_shops_allowed == 1
