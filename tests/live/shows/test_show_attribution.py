"""Show attribution comes from the show: a purchase credits a show only if the show is live or
replaying and sells the product. Any other `show_id` is ignored, not refused: the purchase goes
ahead, uncredited (no GMV for the show, no "someone just bought" in its room)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.live.shows.models import Show
from tests.kits.factories import Actor, Api, address
from tests.kits.promotions import db_uow
from tests.kits.shows import LiveShow, live_show, set_show_status

API = "/api/v1"


async def buy_now(
    client: httpx.AsyncClient, buyer: Actor, variant_id: int, show_id: int
) -> dict[str, Any]:
    r = await client.post(
        f"{API}/orders/buy-now",
        headers=buyer.headers,
        json={"market": "UK", "variant_id": variant_id, "quantity": 1, "address": address("UK"),
              "show_id": show_id},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    order: dict[str, Any] = r.json()[0]
    return order


async def show_orders(client: httpx.AsyncClient, show: LiveShow) -> int:
    url = f"{API}/shows/{show.show_id}/metrics"
    metrics = (await client.get(url, headers=show.seller.headers)).json()
    orders: int = metrics["orders"]
    return orders


async def test_a_live_show_is_credited_for_its_own_products(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    order = await buy_now(client, await api.user("buyer"), show.variant_id, show.show_id)
    assert order["source"]["channel"] == "live" and order["source"]["show_id"] == show.show_id
    assert await show_orders(client, show) == 1


async def test_a_product_outside_the_lineup_is_not_credited(
    api: Api, client: httpx.AsyncClient
) -> None:
    """Naming a live show while buying something it does not sell inflates nothing."""
    show = await live_show(api, client)
    other = await api.product(show.seller, show.shop_id, title="Not in the show")
    buyer = await api.user("buyer")
    order = await buy_now(client, buyer, other["variants"][0]["id"], show.show_id)
    assert "show_id" not in order["source"] and order["source"]["channel"] == "buy_now"
    assert await show_orders(client, show) == 0


@pytest.mark.parametrize("status", ["scheduled", "cancelled", "ended"])
async def test_a_show_that_is_not_live_or_replaying_is_ignored(
    api: Api, client: httpx.AsyncClient, status: str, app: Any
) -> None:
    show = await live_show(api, client)
    await set_show_status(app, show.show_id, status)  # "ended" with no replay
    order = await buy_now(client, await api.user("buyer"), show.variant_id, show.show_id)
    assert "show_id" not in order["source"]
    assert await show_orders(client, show) == 0


async def test_a_replay_is_credited_as_a_replay(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client)
    async with db_uow(app) as uow:
        await uow.session.execute(
            update(Show)
            .where(Show.id == show.show_id)
            .values(status="ended", replay_path=f"replays/{show.show_id}/index.m3u8")
        )
        await uow.commit()
    order = await buy_now(client, await api.user("buyer"), show.variant_id, show.show_id)
    assert order["source"]["channel"] == "replay" and order["source"]["show_id"] == show.show_id


async def test_an_unknown_show_is_ignored(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    order = await buy_now(client, await api.user("buyer"), show.variant_id, 999_999)
    assert order["source"] == {"channel": "buy_now"}


async def test_checkout_credits_the_show_only_when_it_sells_the_whole_cart(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    other = await api.product(show.seller, show.shop_id, title="Not in the show")
    buyer = await api.user("buyer")
    checkout = {"market": "UK", "address": address("UK"), "show_id": show.show_id}

    async def put(variant_id: int) -> None:
        r = await client.put(f"{API}/carts/UK/items", headers=buyer.headers,
                             json={"variant_id": variant_id, "quantity": 1})  # fmt: skip
        assert r.status_code == 200, r.text

    await put(show.variant_id)
    r = await client.post(f"{API}/checkout", headers=buyer.headers, json=checkout)
    assert r.status_code == 201, r.text
    assert r.json()[0]["source"]["show_id"] == show.show_id
    await put(show.variant_id)
    await put(other["variants"][0]["id"])
    r = await client.post(f"{API}/checkout", headers=buyer.headers, json=checkout)
    assert r.status_code == 201, r.text
    assert r.json()[0]["source"] == {"channel": "cart"}
    assert await show_orders(client, show) == 1
