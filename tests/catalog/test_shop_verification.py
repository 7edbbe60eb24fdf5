"""Shops earn the right to sell: where a market asks for it (the default), a shop that is not
verified cannot go live, open promotions or take orders, and every refusal says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from liveshop.live.media import nginx as media
from liveshop.settings import Settings
from tests.kits.affiliates import collaborate
from tests.kits.factories import Actor, Api

API = "/api/v1"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # Port 9 (discard) is never an nginx stat page: the hooks run without nginx.
    return settings.model_copy(
        update={"media_dir": tmp_path / "media", "media_http_port": 9, "rtmp_port": 9}
    )


def not_verified(r: httpx.Response, verification: str) -> None:
    assert r.status_code == 403, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert (body["code"], body["verification"]) == ("shop_not_verified", verification)
    why = "refused verification" if verification == "rejected" else "waiting for verification"
    assert why in body["detail"]


async def publish(client: httpx.AsyncClient, settings: Settings, key: str) -> httpx.Response:
    """What nginx-rtmp's on_publish asks; any 4xx denies the stream."""
    return await client.post(
        f"{API}/media/hooks/publish",
        headers={media.HOOK_HEADER: media.hook_secret(settings)},
        data={"app": "live", "call": "publish", "name": key, "addr": "203.0.113.7"},
    )


async def shop_show(
    api: Api, client: httpx.AsyncClient, verification: str
) -> tuple[Actor, dict[str, Any], dict[str, Any], str]:
    """A seller's shop in this state, an active product and a scheduled show selling it."""
    seller = await api.user("seller")
    shop = await api.shop(seller)  # verified, so the product can join the show
    product = await api.product(seller, shop["id"], stock=5)
    body = {"title": "Drop", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"],
            "shop_id": shop["id"], "product_ids": [product["id"]]}  # fmt: skip
    r = await client.post(f"{API}/shows", headers=seller.headers, json=body)
    assert r.status_code == 201, r.text
    show = r.json()
    key = (await client.get(f"{API}/shows/{show['id']}/ingest", headers=seller.headers)).json()
    await api.set_verification(shop["id"], verification)
    return seller, product, show, key["stream_key"]


async def show_status(client: httpx.AsyncClient, show_id: int) -> str:
    status: str = (await client.get(f"{API}/shows/{show_id}")).json()["status"]
    return status


@pytest.mark.parametrize("verification", ["pending", "rejected"])
async def test_an_unverified_shop_cannot_go_live(
    api: Api, client: httpx.AsyncClient, settings: Settings, verification: str
) -> None:
    _seller, _product, show, key = await shop_show(api, client, verification)
    not_verified(await publish(client, settings, key), verification)
    assert await show_status(client, show["id"]) == "scheduled"


async def test_a_verified_shop_goes_live(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    _seller, _product, show, key = await shop_show(api, client, "verified")
    assert (await publish(client, settings, key)).status_code < 400  # 3xx renames the stream
    assert await show_status(client, show["id"]) == "live"


async def test_a_creator_cannot_go_live_with_an_unverified_shops_products(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    seller, creator = await api.user("seller"), await api.user("creator")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"])
    await collaborate(client, seller, creator, [product["id"]])
    body = {"title": "Haul", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"],
            "product_ids": [product["id"]]}  # fmt: skip
    show = (await client.post(f"{API}/shows", headers=creator.headers, json=body)).json()
    key = (await client.get(f"{API}/shows/{show['id']}/ingest", headers=creator.headers)).json()
    await api.set_verification(shop["id"], "rejected")
    not_verified(await publish(client, settings, key["stream_key"]), "rejected")
    assert await show_status(client, show["id"]) == "scheduled"
    # ...nor add them to another show
    r = await client.post(f"{API}/shows", headers=creator.headers, json=body)
    not_verified(r, "rejected")


async def test_an_unverified_shop_takes_no_orders(api: Api, client: httpx.AsyncClient) -> None:
    _seller, product, _show, _key = await shop_show(api, client, "pending")
    vid, buyer = product["variants"][0]["id"], await api.user("buyer")
    not_verified(await api.buy(buyer, vid), "pending")
    r = await client.put(f"{API}/carts/UK/items", headers=buyer.headers,
                         json={"variant_id": vid, "quantity": 1})  # fmt: skip
    not_verified(r, "pending")
    assert await api.variant(vid) == {"stock": 5, "held": 0, "available": 5}
    assert (await client.get(f"{API}/me/orders", headers=buyer.headers)).json()["total"] == 0


@pytest.mark.parametrize("promotion", ["deal", "pin"])
async def test_an_unverified_shop_opens_no_promotions(
    api: Api, client: httpx.AsyncClient, promotion: str
) -> None:
    seller, product, show, _key = await shop_show(api, client, "pending")
    url, body = {
        "deal": ("deals", {"variant_id": product["variants"][0]["id"], "prices": {"UK": 500},
                           "stock": 2}),
        "pin": ("pins", {"product_id": product["id"]}),
    }[promotion]  # fmt: skip
    r = await client.post(f"{API}/shows/{show['id']}/{url}", headers=seller.headers, json=body)
    not_verified(r, "pending")
    assert (await client.get(f"{API}/shows/{show['id']}/{url}")).json() == []


async def test_a_market_can_let_unverified_shops_sell(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    admin = await api.user("admin")
    _seller, product, show, key = await shop_show(api, client, "pending")
    market = (await client.get(f"{API}/markets/UK")).json()
    assert market["requires_verified_shops"] is True
    for body in ({}, {"requires_verified_shops": "sometimes"}):
        r = await client.patch(f"{API}/admin/markets/UK", headers=admin.headers, json=body)
        assert r.status_code == 422, r.text
    r = await client.patch(f"{API}/admin/markets/UK", headers=_seller.headers,
                           json={"requires_verified_shops": False})  # fmt: skip
    assert r.status_code == 403
    r = await client.patch(f"{API}/admin/markets/UK", headers=admin.headers,
                           json={"requires_verified_shops": False})  # fmt: skip
    assert r.status_code == 200 and r.json()["requires_verified_shops"] is False, r.text
    assert r.json()["enabled"] is True
    assert (await publish(client, settings, key)).status_code < 400  # 3xx renames the stream
    assert (await api.buy(await api.user("buyer"), product["variants"][0]["id"])).status_code == 201
    assert await show_status(client, show["id"]) == "live"
