"""Holds: no overselling under a race, expiry gives stock back without anyone acting."""

from __future__ import annotations

import asyncio

import httpx

from liveshop.markets.seed import MARKETS
from tests.kits.factories import Api, address


async def test_fifty_buyers_race_for_the_last_ten_units(api: Api) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=10)
    variant_id = product["variants"][0]["id"]
    buyers = [await api.user("buyer") for _ in range(50)]

    results = await asyncio.gather(*(api.buy(b, variant_id) for b in buyers))

    codes = sorted(r.status_code for r in results)
    assert codes.count(201) == 10
    assert codes.count(409) == 40
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"out_of_stock"}
    assert await api.variant(variant_id) == {"stock": 10, "held": 10, "available": 0}

    # Paying for half turns holds into sales; availability stays at exactly zero, never below.
    winners = [
        (b, r.json()[0]) for b, r in zip(buyers, results, strict=True) if r.status_code == 201
    ]
    paid = await asyncio.gather(*(api.pay(b, o["id"]) for b, o in winners[:5]))
    assert [p.status_code for p in paid] == [201] * 5
    assert await api.variant(variant_id) == {"stock": 5, "held": 5, "available": 0}


async def test_checkout_splits_the_cart_per_shop_and_clears_it(
    api: Api, client: httpx.AsyncClient
) -> None:
    s1, s2 = await api.user("seller"), await api.user("seller")
    p1 = await api.product(s1, (await api.shop(s1))["id"], prices={"UK": 1200})
    p2 = await api.product(s2, (await api.shop(s2))["id"], prices={"UK": 800})
    buyer = await api.user("buyer")
    for p, qty in ((p1, 2), (p2, 1)):
        r = await client.put(
            "/api/v1/carts/UK/items",
            headers=buyer.headers,
            json={"variant_id": p["variants"][0]["id"], "quantity": qty},
        )
        assert r.status_code == 200, r.text
    cart = (await client.get("/api/v1/carts/UK", headers=buyer.headers)).json()
    assert cart["subtotal"]["formatted"] == "£32.00"

    r = await client.post(
        "/api/v1/checkout", headers=buyer.headers, json={"market": "UK", "address": address("UK")}
    )
    assert r.status_code == 201, r.text
    orders = r.json()
    assert sorted(o["total"]["amount"] for o in orders) == [800, 2400]
    assert {o["status"] for o in orders} == {"pending_payment"}
    assert (await client.get("/api/v1/carts/UK", headers=buyer.headers)).json()["items"] == []
    assert (await api.variant(p1["variants"][0]["id"]))["held"] == 2


async def test_checkout_is_all_or_nothing(api: Api, client: httpx.AsyncClient) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    plenty = await api.product(seller, shop["id"], stock=5)
    scarce = await api.product(seller, shop["id"], stock=1)
    buyer = await api.user("buyer")
    for p, qty in ((plenty, 2), (scarce, 3)):
        await client.put(
            "/api/v1/carts/UK/items",
            headers=buyer.headers,
            json={"variant_id": p["variants"][0]["id"], "quantity": qty},
        )
    r = await client.post(
        "/api/v1/checkout", headers=buyer.headers, json={"market": "UK", "address": address("UK")}
    )
    assert r.status_code == 409
    assert r.json()["code"] == "out_of_stock"
    assert (await api.variant(plenty["variants"][0]["id"]))["held"] == 0
    assert len((await client.get("/api/v1/carts/UK", headers=buyer.headers)).json()["items"]) == 2
    assert (await client.get("/api/v1/me/orders", headers=buyer.headers)).json()["total"] == 0


async def test_checkout_replay_with_the_same_key_returns_the_first_orders(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    product = await api.product(seller, (await api.shop(seller))["id"], stock=3)
    buyer = await api.user("buyer")
    variant_id = product["variants"][0]["id"]
    first, second = await asyncio.gather(
        api.buy(buyer, variant_id, key="buy-once-123"),
        api.buy(buyer, variant_id, key="buy-once-123"),
    )
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert (await api.variant(variant_id))["held"] == 1


async def test_unpaid_hold_expires_and_returns_stock(settings, make_app) -> None:  # type: ignore[no-untyped-def]
    """With the app's own sweeper running, nobody has to act for the units to come back."""
    settings.hold_minutes = 0.02  # 1.2 s
    async with make_app(settings, run_background=True) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            api = Api(client, app=app)
            seller = await api.user("seller")
            product = await api.product(seller, (await api.shop(seller))["id"], stock=1)
            variant_id = product["variants"][0]["id"]
            buyer, other = await api.user("buyer"), await api.user("buyer")
            order = await api.order(buyer, variant_id)
            assert (await api.buy(other, variant_id)).status_code == 409

            for _ in range(100):
                got = (
                    await client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers)
                ).json()
                if got["status"] == "cancelled":
                    break
                await asyncio.sleep(0.1)
            assert got["status"] == "cancelled"
            assert await api.variant(variant_id) == {"stock": 1, "held": 0, "available": 1}
            events = (
                await client.get(f"/api/v1/orders/{order['id']}/events", headers=buyer.headers)
            ).json()
            assert events[-1]["kind"] == "cancelled"
            assert events[-1]["data"] == {"reason": "hold_expired"}

            late = await api.pay(buyer, order["id"])
            assert late.status_code == 409
            assert (await api.buy(other, variant_id)).status_code == 201


async def test_buying_in_a_disabled_market_is_refused(api: Api, client: httpx.AsyncClient) -> None:
    admin = await api.user("admin")
    seller = await api.user("seller")
    product = await api.product(
        seller, (await api.shop(seller))["id"], prices={"UK": 500, "DE": 600}
    )
    r = await client.patch(
        "/api/v1/admin/markets/DE", headers=admin.headers, json={"enabled": False}
    )
    assert r.status_code == 200 and r.json()["enabled"] is False
    german = await api.user("buyer", market="DE")
    r = await api.buy(german, product["variants"][0]["id"])
    assert r.status_code == 409
    assert r.json()["code"] == "market_disabled"
    assert (await api.variant(product["variants"][0]["id"]))["held"] == 0
    assert (await api.buy(await api.user("buyer"), product["variants"][0]["id"])).status_code == 201
    assert len(MARKETS) == len((await client.get("/api/v1/markets")).json())
