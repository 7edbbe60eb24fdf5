"""Stock cannot be hoarded: unpaid holds are capped per buyer, and sellers cap units per buyer."""

from __future__ import annotations

from typing import Any

import httpx

from liveshop.settings import Settings
from tests.kits.factories import Api, address

API = "/api/v1"


def refused(r: httpx.Response, code: str) -> dict[str, Any]:
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    assert body["code"] == code, body
    return body


async def test_buy_now_cannot_hold_more_than_five_units_of_an_item(api: Api) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    vid = (await api.product(seller, shop["id"], stock=100))["variants"][0]["id"]
    hoarder, shopper = await api.user("buyer"), await api.user("buyer")

    body = refused(await api.buy(hoarder, vid, quantity=99), "hold_limit_reached")
    assert body["limit"] == 5
    assert await api.variant(vid) == {"stock": 100, "held": 0, "available": 100}
    await api.order(hoarder, vid, quantity=3)
    await api.order(hoarder, vid, quantity=2)
    refused(await api.buy(hoarder, vid), "hold_limit_reached")
    assert await api.variant(vid) == {"stock": 100, "held": 5, "available": 95}
    await api.order(shopper, vid, quantity=5)  # the cap is per buyer


async def test_at_most_three_unpaid_orders_until_one_is_paid(api: Api) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    vids = [(await api.product(seller, shop["id"]))["variants"][0]["id"] for _ in range(4)]
    buyer = await api.user("buyer")
    first = await api.order(buyer, vids[0])
    for vid in vids[1:3]:
        await api.order(buyer, vid)
    refused(await api.buy(buyer, vids[3]), "too_many_unpaid_orders")
    assert (await api.variant(vids[3]))["held"] == 0
    assert (await api.pay(buyer, first["id"])).status_code == 201
    await api.order(buyer, vids[3])


async def test_checkout_obeys_the_same_caps(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    vid = (await api.product(seller, shop["id"], stock=50))["variants"][0]["id"]
    buyer = await api.user("buyer")
    r = await client.put(f"{API}/carts/UK/items", headers=buyer.headers,
                         json={"variant_id": vid, "quantity": 6})  # fmt: skip
    assert r.status_code == 200, r.text
    checkout = {"market": "UK", "address": address("UK")}
    refused(await client.post(f"{API}/checkout", headers=buyer.headers, json=checkout),
            "hold_limit_reached")  # fmt: skip
    assert await api.variant(vid) == {"stock": 50, "held": 0, "available": 50}
    cart = (await client.get(f"{API}/carts/UK", headers=buyer.headers)).json()
    assert [i["quantity"] for i in cart["items"]] == [6]  # nothing placed, the cart is kept


async def test_the_caps_are_settings(settings: Settings, make_app: Any) -> None:
    tight = settings.model_copy(update={"max_unpaid_orders": 1, "max_held_units_per_variant": 2})
    async with make_app(tight, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            api = Api(client, app=app)
            seller = await api.user("seller")
            shop = await api.shop(seller)
            a = (await api.product(seller, shop["id"]))["variants"][0]["id"]
            b = (await api.product(seller, shop["id"]))["variants"][0]["id"]
            buyer = await api.user("buyer")
            refused(await api.buy(buyer, a, quantity=3), "hold_limit_reached")
            await api.order(buyer, a, quantity=2)
            refused(await api.buy(buyer, b), "too_many_unpaid_orders")


async def test_a_seller_limits_units_per_buyer_counting_paid_orders(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=20)
    assert product["max_per_buyer"] is None
    url, vid = f"{API}/products/{product['id']}", product["variants"][0]["id"]
    r = await client.patch(url, headers=seller.headers, json={"max_per_buyer": 2})
    assert (r.status_code, r.json()["max_per_buyer"]) == (200, 2)
    assert (await client.get(url)).json()["max_per_buyer"] == 2

    buyer, other = await api.user("buyer"), await api.user("buyer")
    await api.paid_order(buyer, vid)
    body = refused(await api.buy(buyer, vid, quantity=2), "buyer_limit_reached")
    assert (body["product_id"], body["limit"]) == (product["id"], 2)
    unpaid = await api.order(buyer, vid)
    refused(await api.buy(buyer, vid), "buyer_limit_reached")
    await api.order(other, vid, quantity=2)
    # A cancelled order no longer counts.
    r = await client.post(f"{API}/orders/{unpaid['id']}/cancel", headers=buyer.headers)
    assert r.status_code == 200, r.text
    await api.order(buyer, vid)
    # null lifts the limit; only a whole number from 1 is a limit
    for bad in (0, -1, "two", 1.5):
        r = await client.patch(url, headers=seller.headers, json={"max_per_buyer": bad})
        assert r.status_code == 422, r.text
    r = await client.patch(url, headers=seller.headers, json={"max_per_buyer": None})
    assert (r.status_code, r.json()["max_per_buyer"]) == (200, None)
    await api.order(buyer, vid)


async def test_the_limit_is_set_when_creating_and_only_by_the_shop(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller, stranger = await api.user("seller"), await api.user("seller")
    shop = await api.shop(seller)
    price = {"market": "UK", "currency": "GBP", "amount": 900}
    body = {"title": "Limited print", "status": "active", "max_per_buyer": 1,
            "variants": [{"sku": "LP-1", "stock": 5, "prices": [price]}]}  # fmt: skip
    r = await client.post(f"{API}/shops/{shop['id']}/products", headers=seller.headers, json=body)
    assert (r.status_code, r.json()["max_per_buyer"]) == (201, 1), r.text
    url = f"{API}/products/{r.json()['id']}"
    r2 = await client.patch(url, headers=stranger.headers, json={"max_per_buyer": None})
    assert r2.status_code == 403
    buyer = await api.user("buyer")
    refused(await api.buy(buyer, r.json()["variants"][0]["id"], quantity=2), "buyer_limit_reached")
