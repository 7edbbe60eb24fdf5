"""The "For you" feed: each signal alone puts its item on top with its reason."""

from __future__ import annotations

import itertools
from typing import Any

import httpx

from tests.kits.factories import Actor, Api
from tests.kits.room import make_show

FEED = "/api/v1/feed"


async def _feed(
    client: httpx.AsyncClient, who: Actor | None, **params: Any
) -> list[dict[str, Any]]:
    r = await client.get(FEED, headers=who.headers if who else {}, params=params)
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return items


async def _shop_with(api: Api, n: int, market: str = "UK", **kw: Any) -> list[dict[str, Any]]:
    seller = await api.user("seller", market=market)
    shop = await api.shop(seller, market=market)
    return [
        await api.product(seller, shop["id"], prices={market: 1000 + i}, **kw) for i in range(n)
    ]


async def test_followed_creator_live_show_leads(client: httpx.AsyncClient) -> None:
    api = Api(client)
    await _shop_with(api, 3)
    host, show, _items = await make_show(api, client)
    await api.grant(host, "creator")
    buyer = await api.user()
    r = await client.post(
        "/api/v1/me/follows",
        headers=buyer.headers,
        json={"target_kind": "creator", "target_id": host.id},
    )
    assert r.status_code in (200, 201), r.text
    first = (await _feed(client, buyer))[0]
    assert (first["kind"], first["id"]) == ("show", show["id"])
    assert "live now" in first["reason"] and "follow" in first["reason"]


async def test_bought_with(client: httpx.AsyncClient) -> None:
    api = Api(client)
    x, y = await _shop_with(api, 2)
    others = await _shop_with(api, 3)
    a, b = await api.user(), await api.user()
    await api.paid_order(a, x["variants"][0]["id"])
    await api.paid_order(a, y["variants"][0]["id"])
    await api.paid_order(b, x["variants"][0]["id"])
    first = (await _feed(client, b))[0]
    assert first["id"] == y["id"], first
    assert first["reason"] == f"Bought with {x['title']}"
    assert x["id"] not in [i["id"] for i in await _feed(client, b)]  # already bought
    assert others


async def test_viewers_of_this_show_also_bought(client: httpx.AsyncClient) -> None:
    api = Api(client)
    _host, show, _items = await make_show(api, client, live=False)
    (z,) = await _shop_with(api, 1)
    await _shop_with(api, 3)
    viewer, buyer = await api.user(), await api.user()
    for who in (viewer, buyer):
        r = await client.post("/api/v1/me/views", headers=who.headers, json={"show_id": show["id"]})
        assert r.status_code == 204, r.text
    await api.paid_order(viewer, z["variants"][0]["id"])
    first = (await _feed(client, buyer))[0]
    assert first["id"] == z["id"], first
    assert first["reason"] == "Viewers of Room test also bought this"


async def test_recently_viewed(client: httpx.AsyncClient) -> None:
    api = Api(client)
    items = await _shop_with(api, 4)
    buyer = await api.user()
    r = await client.post(
        "/api/v1/me/views", headers=buyer.headers, json={"product_id": items[0]["id"]}
    )
    assert r.status_code == 204
    first = (await _feed(client, buyer))[0]
    assert (first["id"], first["reason"]) == (items[0]["id"], "You looked at this recently")
    r = await client.post("/api/v1/me/views", headers=buyer.headers, json={})
    assert r.status_code == 422


async def test_trending_and_cold_start(client: httpx.AsyncClient) -> None:
    api = Api(client)
    items = await _shop_with(api, 3)
    sold_out = (await _shop_with(api, 1, stock=0))[0]
    draft = (await _shop_with(api, 1, status="draft"))[0]
    newcomer = await api.user()
    cold = await _feed(client, newcomer)
    assert {i["id"] for i in cold} == {p["id"] for p in items}
    assert all(i["reason"] == "New in UK" for i in cold)
    assert sold_out["id"] not in [i["id"] for i in cold] and draft["id"] not in [
        i["id"] for i in cold
    ]
    assert [i["id"] for i in await _feed(client, None)] == [i["id"] for i in cold]
    buyer = await api.user()
    await api.paid_order(buyer, items[0]["variants"][0]["id"], quantity=2)
    first = (await _feed(client, newcomer))[0]
    assert (first["id"], first["reason"]) == (items[0]["id"], "Trending in UK")


async def test_diversity(client: httpx.AsyncClient) -> None:
    api = Api(client)
    small = await _shop_with(api, 2)
    big = await _shop_with(api, 6)  # newer, so it would fill the top six without diversity
    feed = await _feed(client, await api.user())
    shops = [i["shop_id"] for i in feed]
    assert len(feed) == 8
    assert max(len(list(g)) for _k, g in itertools.groupby(shops)) <= 2
    assert shops[:3] == [big[0]["shop_id"]] * 2 + [small[0]["shop_id"]]


async def test_switched_off_market_never_appears(client: httpx.AsyncClient) -> None:
    api = Api(client)
    de_items = await _shop_with(api, 2, market="DE")
    de_buyer = await api.user(market="DE")
    assert {i["id"] for i in await _feed(client, de_buyer)} == {p["id"] for p in de_items}
    admin = await api.user("admin")
    r = await client.patch(
        "/api/v1/admin/markets/DE", headers=admin.headers, json={"enabled": False}
    )
    assert r.status_code == 200
    assert await _feed(client, de_buyer) == []
    assert await _feed(client, None, market="DE") == []
