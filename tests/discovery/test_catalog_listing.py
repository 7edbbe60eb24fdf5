"""The catalog's `/products?q=` keeps its shape but ranks and forgives typos through discovery."""

from __future__ import annotations

import httpx

from tests.kits.factories import Api


async def test_products_listing_uses_search(client: httpx.AsyncClient) -> None:
    api = Api(client)
    seller = await api.user("seller")
    shop = await api.shop(seller)
    hoodie = await api.product(seller, shop["id"], title="Cloud Hoodie")
    await api.product(seller, shop["id"], title="Ceramic Mug")
    page = (await client.get("/api/v1/products", params={"q": "hodie"})).json()
    assert page["total"] == 1 and page["items"][0]["id"] == hoodie["id"]
    assert set(page) >= {"items", "total", "limit", "offset"}
    # The seller's own listing is not a search: drafts and all, by substring as before.
    r = await client.get(
        f"/api/v1/shops/{shop['id']}/products/manage", headers=seller.headers, params={}
    )
    assert r.json()["total"] == 2
