"""Flash deals: countdown, deal price, per-buyer limit, idempotent retries, end of deal."""

from __future__ import annotations

import httpx
from sqlalchemy import select, update

from liveshop.db import utcnow
from liveshop.selling import deals
from liveshop.selling.models import FlashDeal
from tests.deal_kit import buy_body, open_now, show_with_deal
from tests.factories import Api


async def test_deal_lifecycle_price_limit_and_retry(api: Api, client: httpx.AsyncClient) -> None:
    app = client._transport.app  # type: ignore[attr-defined]
    seller, show, deal = await show_with_deal(api, client, stock=3, limit=1, variant_stock=10)
    vid = deal["variant_id"]
    assert deal["status"] == "scheduled" and deal["left"] == 3
    assert (
        deal["prices"][0]["formatted"] == "£9.99"
        and deal["prices"][0]["regular_formatted"] == "£19.99"
    )
    # The deal's units are carved out of the variant: regular checkout sees only 7.
    assert await api.variant(vid) == {"stock": 10, "held": 3, "available": 7}

    buyer = await api.user("buyer")
    early = await client.post(
        f"/api/v1/deals/{deal['id']}/buy", headers=buyer.headers, json=buy_body()
    )
    assert early.status_code == 409 and early.json()["code"] == "deal_not_open"

    await open_now(app.state.db, deal["id"])
    h = {**buyer.headers, "Idempotency-Key": "deal-buy-0001"}
    first = await client.post(f"/api/v1/deals/{deal['id']}/buy", headers=h, json=buy_body())
    retry = await client.post(f"/api/v1/deals/{deal['id']}/buy", headers=h, json=buy_body())
    assert first.status_code == retry.status_code == 201, first.text
    assert first.json() == retry.json()
    order = first.json()
    assert order["total"]["formatted"] == "£9.99"
    assert order["source"] == {
        "channel": "live",
        "show_id": show["id"],
        "host_id": seller.id,
        "deal_id": deal["id"],
    }
    assert (await client.get(f"/api/v1/deals/{deal['id']}")).json()["left"] == 2

    again = await client.post(
        f"/api/v1/deals/{deal['id']}/buy", headers=buyer.headers, json=buy_body()
    )
    assert again.status_code == 409 and again.json()["code"] == "buyer_limit_reached"

    assert (await api.pay(buyer, order["id"])).status_code == 201
    async with app.state.db.read.connect() as conn:
        row = (
            await conn.execute(
                select(FlashDeal.sold, FlashDeal.held).where(FlashDeal.id == deal["id"])
            )
        ).one()
    assert tuple(row) == (1, 0)
    assert await api.variant(vid) == {"stock": 9, "held": 2, "available": 7}

    # Time's up: the two unsold units go back to the variant for regular checkout.
    async with app.state.db.write.begin() as conn:
        await conn.execute(
            update(FlashDeal).where(FlashDeal.id == deal["id"]).values(ends_at=utcnow())
        )
    assert await deals.advance(app.state.db, app.state.broker) == 1
    assert await api.variant(vid) == {"stock": 9, "held": 0, "available": 9}
    latecomer = await api.user("buyer")
    late = await client.post(
        f"/api/v1/deals/{deal['id']}/buy", headers=latecomer.headers, json=buy_body()
    )
    assert late.status_code == 409 and late.json()["code"] == "deal_ended"


async def test_only_the_host_opens_deals_on_the_shows_products(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller, show, deal = await show_with_deal(api, client, stock=2)
    other = await api.user("seller")
    body = {"variant_id": deal["variant_id"], "prices": {"UK": 500}, "stock": 1}
    r = await client.post(f"/api/v1/shows/{show['id']}/deals", headers=other.headers, json=body)
    assert r.status_code == 403
    too_dear = {**body, "prices": {"UK": 5000}}
    r = await client.post(
        f"/api/v1/shows/{show['id']}/deals", headers=seller.headers, json=too_dear
    )
    assert r.status_code == 422 and r.json()["code"] == "deal_price_above_regular"
    greedy = {**body, "stock": 10_000}
    r = await client.post(f"/api/v1/shows/{show['id']}/deals", headers=seller.headers, json=greedy)
    assert r.status_code == 409 and r.json()["code"] == "out_of_stock"
    bad_countdown = {**body, "countdown_seconds": 5}
    r = await client.post(
        f"/api/v1/shows/{show['id']}/deals", headers=seller.headers, json=bad_countdown
    )
    assert r.status_code == 422
