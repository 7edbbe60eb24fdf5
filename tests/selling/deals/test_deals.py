"""Flash deals: countdown, deal price, per-buyer limit, idempotent retries, end of deal."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import select, update

from liveshop.db import utcnow
from liveshop.selling.deals import service as deals
from liveshop.selling.deals.models import FlashDeal
from tests.kits.deals import buy_body, open_now, show_with_deal
from tests.kits.factories import Api


async def test_deal_lifecycle_price_limit_and_retry(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
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


def _edge_answers(text: str) -> float:
    line = next(x for x in text.splitlines() if x.startswith("liveshop_deal_edge_sold_out_total"))
    return float(line.split()[-1])


async def test_a_sold_out_deal_is_answered_early_but_winners_still_replay(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    """Once nothing is left, "sold out" comes from the edge (selling/edge.py) without the
    full path; a buyer the gate let through still gets their own answer back on a retry,
    and a unit that comes back is buyable again."""
    _, _, deal = await show_with_deal(api, client, stock=2, limit=1)
    await open_now(app.state.db, deal["id"])
    url = f"/api/v1/deals/{deal['id']}/buy"
    winners = [await api.user("buyer") for _ in range(2)]
    firsts = []
    for i, w in enumerate(winners):
        r = await client.post(
            url, headers={**w.headers, "Idempotency-Key": f"winner-{i}"}, json=buy_body()
        )
        assert r.status_code == 201, r.text
        firsts.append(r.json())

    before = _edge_answers((await client.get("/metrics")).text)
    late = [await api.user("buyer") for _ in range(3)]
    for i, buyer in enumerate(late):
        r = await client.post(
            url, headers={**buyer.headers, "Idempotency-Key": f"latecomer-{i}"}, json=buy_body()
        )
        assert r.status_code == 409 and r.json()["code"] == "sold_out", r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    assert _edge_answers((await client.get("/metrics")).text) == before + 3

    # The winner's retry (same token, same key) replays the order instead of "sold out".
    retry = await client.post(
        url, headers={**winners[0].headers, "Idempotency-Key": "winner-0"}, json=buy_body()
    )
    assert retry.status_code == 201 and retry.json() == firsts[0]

    # A cancelled order gives its unit back to the deal: the edge lets buyers through again.
    r = await client.post(f"/api/v1/orders/{firsts[1]['id']}/cancel", headers=winners[1].headers)
    assert r.status_code == 200, r.text
    for _ in range(50):  # a worker's view of the gate may be up to 0.1 s old
        r = await client.post(
            url, headers={**late[0].headers, "Idempotency-Key": "second-chance"}, json=buy_body()
        )
        if r.status_code != 409:
            break
        await asyncio.sleep(0.05)
    assert r.status_code == 201, r.text
