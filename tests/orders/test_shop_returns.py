"""The seller's returns inbox: GET /shops/{id}/returns lists return requests on that shop's orders
only, to that shop's sellers only, filtered by status."""

from __future__ import annotations

import httpx

from tests.kits.factories import Actor, Api

SHIP = {"carrier": "Royal Mail", "tracking_number": "RM1"}


async def _delivered_return(
    api: Api, client: httpx.AsyncClient, seller: Actor, shop_id: int, title: str
) -> tuple[int, int]:
    product = await api.product(seller, shop_id, stock=5, prices={"UK": 1250}, title=title)
    buyer = await api.user("buyer")
    order = await api.paid_order(buyer, product["variants"][0]["id"], quantity=2)
    oid = order["id"]
    assert (
        await client.post(f"/api/v1/orders/{oid}/ship", headers=seller.headers, json=SHIP)
    ).is_success
    assert (await client.post(f"/api/v1/orders/{oid}/deliver", headers=seller.headers)).is_success
    r = await client.post(
        f"/api/v1/orders/{oid}/returns",
        headers=buyer.headers,
        json={"reason": "too big", "lines": [{"line_id": order["lines"][0]["id"], "quantity": 1}]},
    )
    assert r.status_code == 201, r.text
    return oid, r.json()["id"]


async def test_shop_returns_inbox(api: Api, client: httpx.AsyncClient) -> None:
    seller_a, seller_b = await api.user("seller"), await api.user("seller")
    shop_a, shop_b = (await api.shop(seller_a))["id"], (await api.shop(seller_b))["id"]
    oid, rid = await _delivered_return(api, client, seller_a, shop_a, "Wool scarf")
    await _delivered_return(api, client, seller_b, shop_b, "Other shop's mug")

    r = await client.get(f"/api/v1/shops/{shop_a}/returns", headers=seller_a.headers)
    assert r.status_code == 200, r.text
    page = r.json()
    assert page["total"] == 1
    [item] = page["items"]
    assert (item["id"], item["order_id"], item["status"]) == (rid, oid, "requested")
    assert item["amount"] == {"amount": 1250, "currency": "GBP", "formatted": "£12.50"}
    assert item["order_total"]["amount"] >= 2500
    assert item["refunded_total"]["amount"] == 0
    assert item["order_status"] == "delivered"
    assert item["buyer_name"] == "Test Buyer"
    assert [(i["title"], i["quantity"]) for i in item["items"]] == [("Wool scarf", 1)]

    # Filters by status; a decision moves the request from one list to the other.
    approved = f"/api/v1/shops/{shop_a}/returns?status=approved"
    assert (await client.get(approved, headers=seller_a.headers)).json()["total"] == 0
    ok = await client.post(f"/api/v1/returns/{rid}/approve", headers=seller_a.headers, json={})
    assert ok.status_code == 200, ok.text
    after = (await client.get(approved, headers=seller_a.headers)).json()
    assert [i["id"] for i in after["items"]] == [rid]
    assert after["items"][0]["refunded_total"]["amount"] == 1250
    requested = f"/api/v1/shops/{shop_a}/returns?status=requested"
    assert (await client.get(requested, headers=seller_a.headers)).json()["total"] == 0


async def test_shop_returns_are_the_shops_sellers_only(api: Api, client: httpx.AsyncClient) -> None:
    seller_a, seller_b = await api.user("seller"), await api.user("seller")
    shop_a = (await api.shop(seller_a))["id"]
    await _delivered_return(api, client, seller_a, shop_a, "Teapot")
    buyer = await api.user("buyer")
    url = f"/api/v1/shops/{shop_a}/returns"
    for who in (seller_b, buyer):
        r = await client.get(url, headers=who.headers)
        assert r.status_code == 403, r.text
        assert r.headers["content-type"] == "application/problem+json"
    assert (await client.get(url)).status_code == 401
    assert (
        await client.get("/api/v1/shops/999999/returns", headers=seller_a.headers)
    ).status_code == 404
    bad = await client.get(f"{url}?status=lost", headers=seller_a.headers)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
