"""GET /me/allowed-shops: the shops whose products the caller may sell in a show."""

from __future__ import annotations

import httpx

from tests.kits.affiliates import collaborate, revoke
from tests.kits.factories import Actor, Api

API = "/api/v1"


async def test_allowed_shops_are_mine_and_those_collaborating_with_me(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller, other_seller, creator = (
        await api.user("seller"),
        await api.user("seller"),
        await api.user("creator"),
    )
    shop = await api.shop(seller, name="Cosy Knits")
    product = await api.product(seller, shop["id"])
    aloof = await api.shop(other_seller, name="Aloof Atelier")

    async def allowed(who: Actor) -> list[tuple[str, str]]:
        r = await client.get(f"{API}/me/allowed-shops", headers=who.headers)
        assert r.status_code == 200, r.text
        return [(s["name"], s["via"]) for s in r.json()]

    assert await allowed(seller) == [("Cosy Knits", "owner")]
    assert await allowed(creator) == []

    collabs = await collaborate(client, seller, creator, [product["id"]])
    assert await allowed(creator) == [("Cosy Knits", "allowed")]  # not Aloof Atelier
    body = (await client.get(f"{API}/me/allowed-shops", headers=creator.headers)).json()
    assert body[0]["id"] == shop["id"] and body[0]["market_code"] == "UK"

    # A creator who also opens a shop sees it first, as its owner; the allowing shop stays.
    own = await api.shop(creator, name="Creator Corner")
    assert await allowed(creator) == [("Creator Corner", "owner"), ("Cosy Knits", "allowed")]
    # Another seller allowing you does not put you on the owner's list, nor theirs on yours.
    assert await allowed(other_seller) == [("Aloof Atelier", "owner")]
    assert aloof["id"] not in [s["id"] for s in body]

    await revoke(client, seller, collabs)
    assert await allowed(creator) == [("Creator Corner", "owner")]
    assert own["id"] != shop["id"]

    r = await client.get(f"{API}/me/allowed-shops")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"


async def test_a_creator_schedules_a_show_for_a_shop_collaborating_with_them(
    client: httpx.AsyncClient, api: Api
) -> None:
    seller, creator, stranger = (
        await api.user("seller"),
        await api.user("creator"),
        await api.user("creator"),
    )
    shop = await api.shop(seller)
    await collaborate(client, seller, creator, [(await api.product(seller, shop["id"]))["id"]])
    body = {"title": "Guest night", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"],
            "shop_id": shop["id"]}  # fmt: skip
    r = await client.post("/api/v1/shows", headers=creator.headers, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["shop_id"] == shop["id"]
    r = await client.post("/api/v1/shows", headers=stranger.headers, json=body)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
