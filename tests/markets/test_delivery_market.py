"""Market-restricted coupons, giveaways and bids follow the delivery address, not the profile's
market, which anyone can change: a buyer from anywhere may play, but the goods ship only to an
address in the market."""

from __future__ import annotations

import httpx

from tests.kits.factories import Api, address
from tests.kits.shows import live_show

API = "/api/v1"


async def test_a_market_giveaway_ships_to_an_address_in_its_market(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client, stock=3)
    r = await client.post(f"{API}/shows/{show.show_id}/giveaways", headers=show.seller.headers,
                          json={"variant_id": show.variant_id, "eligibility": "market",
                                "market": "UK"})  # fmt: skip
    assert r.status_code == 201, r.text
    gid = r.json()["id"]
    expat = await api.user("buyer", market="DE")  # lives in Leeds, profile says Germany
    assert (await client.post(f"{API}/giveaways/{gid}/entries", headers=expat.headers)).is_success
    r = await client.post(f"{API}/giveaways/{gid}/draw", headers=show.seller.headers)
    assert r.status_code == 200, r.text
    claim = f"{API}/giveaways/{gid}/claim"
    r = await client.post(claim, headers=expat.headers, json={"address": address("DE")})
    assert r.status_code == 422 and r.json()["code"] == "address_outside_market"
    r = await client.post(claim, headers=expat.headers, json={"address": address("UK")})
    assert r.status_code == 200, r.text
    assert (r.json()["market"], r.json()["status"]) == ("UK", "paid")


async def test_a_market_coupon_discounts_only_orders_delivered_in_its_market(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client, prices={"UK": 1000, "DE": 1100})
    r = await client.post(f"{API}/shows/{show.show_id}/coupons", headers=show.seller.headers,
                          json={"code": "UK2", "kind": "amount", "value": 200, "market": "UK",
                                "quota": 5})  # fmt: skip
    assert r.status_code == 201, r.text
    expat = await api.user("buyer", market="DE")
    r = await client.post(f"{API}/shows/{show.show_id}/coupons/UK2/claim", headers=expat.headers)
    assert r.status_code == 201, r.text

    async def buy(market: str) -> httpx.Response:
        return await client.post(
            f"{API}/orders/buy-now",
            headers=expat.headers,
            json={"market": market, "variant_id": show.variant_id, "quantity": 1,
                  "address": address(market), "show_id": show.show_id, "coupons": ["UK2"]},
        )  # fmt: skip

    r = await buy("DE")
    assert r.status_code == 409 and r.json()["code"] == "coupon_not_applicable", r.text
    r = await buy("UK")
    assert r.status_code == 201, r.text
    assert r.json()[0]["total"]["amount"] == 800
