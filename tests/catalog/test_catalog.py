"""Shops, products with options and variants, per-market prices, listing."""

from __future__ import annotations

import httpx

from tests.kits.factories import Api


def _variant(sku: str, values: list[str], stock: int = 5, gbp: int = 1500) -> dict:
    return {
        "sku": sku,
        "option_values": values,
        "stock": stock,
        "weight_grams": 300,
        "prices": [
            {"market": "UK", "currency": "GBP", "amount": gbp, "compare_at": gbp + 500},
            {"market": "DE", "currency": "EUR", "amount": gbp + 200},
        ],
    }


async def test_product_with_three_options_and_variants(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller, name="Leeds Loungewear", verification="pending")
    assert shop["slug"] == "leeds-loungewear" and shop["verification"] == "pending"
    body = {
        "title": "Hoodie",
        "status": "active",
        "options": ["Size", "Colour", "Fit"],
        "images": ["https://cdn.example.com/h.jpg"],
        "variants": [
            _variant("H-S-G-R", ["S", "Grey", "Regular"]),
            _variant("H-M-G-R", ["M", "Grey", "Regular"]),
        ],
    }
    r = await client.post(f"/api/v1/shops/{shop['id']}/products", headers=seller.headers, json=body)
    assert r.status_code == 201, r.text
    product = r.json()
    v = product["variants"][0]
    assert v["prices"][0] == {
        "market": "DE",
        "currency": "EUR",
        "amount": 1700,
        "compare_at": None,
        "formatted": "17,00\xa0€",
        "compare_at_formatted": None,
        "plus_tax": False,
    }
    assert (
        v["prices"][1]["formatted"] == "£15.00"
        and v["prices"][1]["compare_at_formatted"] == "£20.00"
    )

    four = {**body, "options": ["a", "b", "c", "d"]}
    assert (
        await client.post(f"/api/v1/shops/{shop['id']}/products", headers=seller.headers, json=four)
    ).status_code == 422
    dup_sku = {**body, "variants": [_variant("H-S-G-R", ["L", "Grey", "Regular"])]}
    r = await client.post(
        f"/api/v1/shops/{shop['id']}/products", headers=seller.headers, json=dup_sku
    )
    assert r.status_code == 409 and r.json()["code"] == "sku_taken"

    r = await client.post(
        f"/api/v1/products/{product['id']}/variants",
        headers=seller.headers,
        json=_variant("H-L-G-R", ["L", "Grey", "Regular"]),
    )
    assert r.status_code == 201 and len(r.json()["variants"]) == 3
    r = await client.patch(
        f"/api/v1/variants/{v['id']}", headers=seller.headers, json={"stock": 42}
    )
    assert r.json()["variants"][0]["stock"] == 42


async def test_drafts_are_private_and_archive_hides(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    draft = await api.product(seller, shop["id"], status="draft")
    assert (await client.get(f"/api/v1/products/{draft['id']}")).status_code == 404
    assert (
        await client.get(f"/api/v1/products/{draft['id']}", headers=seller.headers)
    ).status_code == 200
    r = await client.patch(
        f"/api/v1/products/{draft['id']}", headers=seller.headers, json={"status": "active"}
    )
    assert r.json()["status"] == "active"
    assert (await client.get(f"/api/v1/products/{draft['id']}")).status_code == 200
    assert (await client.delete(f"/api/v1/products/{draft['id']}", headers=seller.headers)).json()[
        "status"
    ] == "archived"
    assert (await client.get("/api/v1/products")).json()["total"] == 0


async def test_listing_paginates_and_filters(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    for i in range(7):
        await api.product(seller, shop["id"], title=f"Mug {i}", prices={"UK": 500 + i * 100})
    await api.product(seller, shop["id"], title="Teapot", prices={"US": 3000})
    page = (await client.get("/api/v1/products?limit=3&offset=3")).json()
    assert page["total"] == 8 and len(page["items"]) == 3
    assert (await client.get("/api/v1/products?q=mug")).json()["total"] == 7
    assert (await client.get("/api/v1/products?market=US")).json()["items"][0]["title"] == "Teapot"
    cheap = (await client.get("/api/v1/products?market=UK&max_price=700")).json()
    assert sorted(p["title"] for p in cheap["items"]) == ["Mug 0", "Mug 1", "Mug 2"]
    assert (await client.get(f"/api/v1/products?shop_id={shop['id']}&limit=100")).json()[
        "total"
    ] == 8
    # A shopper's % and _ are characters, not wildcards.
    await api.product(seller, shop["id"], title="100% wool scarf", prices={"UK": 2500})
    found = (await client.get("/api/v1/products", params={"q": "100%"})).json()
    assert [p["title"] for p in found["items"]] == ["100% wool scarf"]
    assert (await client.get("/api/v1/products", params={"q": "m_g"})).json()["total"] == 0


async def test_stock_cannot_drop_below_held(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    product = await api.product(seller, (await api.shop(seller))["id"], stock=5)
    vid = product["variants"][0]["id"]
    await api.order(await api.user("buyer"), vid, quantity=3)
    r = await client.patch(f"/api/v1/variants/{vid}", headers=seller.headers, json={"stock": 2})
    assert r.status_code == 409 and r.json()["code"] == "stock_below_held"
    assert await api.variant(vid) == {"stock": 5, "held": 3, "available": 2}


async def test_admin_verifies_shops(api: Api, client: httpx.AsyncClient) -> None:
    admin, seller = await api.user("admin"), await api.user("seller")
    shop = await api.shop(seller)
    r = await client.patch(
        f"/api/v1/admin/shops/{shop['id']}",
        headers=admin.headers,
        json={"verification": "verified"},
    )
    assert r.json()["verification"] == "verified"
