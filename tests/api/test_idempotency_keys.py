"""Idempotency-Key means one thing on every path (README "Idempotency", liveshop/idempotency.py):
a key reused for a different request is refused; a result is replayed; a refusal is not a
result, so its retry asks again."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.kits.deals import buy_body, open_now, show_with_deal
from tests.kits.factories import Api, address


def _reused(r: httpx.Response) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "idempotency_key_reused"


def _edge_answers(text: str) -> float:
    line = next(x for x in text.splitlines() if x.startswith("liveshop_deal_edge_sold_out_total"))
    return float(line.split()[-1])


async def test_a_reused_key_with_another_body_is_refused_on_every_path(
    api: Api, client: httpx.AsyncClient
) -> None:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"], stock=20, prices={"UK": 2500})
    vid = product["variants"][0]["id"]
    buyer = await api.user("buyer")

    # buy-now: quantity 2 instead of 1 must not get the first order back.
    first = await api.buy(buyer, vid, key="reuse-buy-now-1")
    assert first.status_code == 201, first.text
    _reused(await api.buy(buyer, vid, key="reuse-buy-now-1", quantity=2))
    replay = await api.buy(buyer, vid, key="reuse-buy-now-1")
    assert replay.status_code == 201 and replay.json() == first.json()

    # checkout: another address is another request.
    r = await client.put(
        "/api/v1/carts/UK/items", headers=buyer.headers, json={"variant_id": vid, "quantity": 1}
    )
    assert r.status_code == 200, r.text
    h = {**buyer.headers, "Idempotency-Key": "reuse-checkout-1"}
    body: dict[str, Any] = {"market": "UK", "address": address("UK")}
    checkout = await client.post("/api/v1/checkout", headers=h, json=body)
    assert checkout.status_code == 201, checkout.text
    moved = {**body, "address": {**address("UK"), "line1": "2 Other Street"}}
    _reused(await client.post("/api/v1/checkout", headers=h, json=moved))

    # payments: another card, or the same key on another order.
    order_id = first.json()[0]["id"]
    paid = await api.pay(buyer, order_id, key="reuse-pay-1")
    assert paid.status_code == 201, paid.text
    _reused(await api.pay(buyer, order_id, key="reuse-pay-1", card="4000000000009995"))
    other_order = checkout.json()[0]["id"]
    _reused(await api.pay(buyer, other_order, key="reuse-pay-1"))
    # ... or on another endpoint altogether.
    _reused(await api.buy(buyer, vid, key="reuse-pay-1"))

    # refunds: another amount.
    url = f"/api/v1/orders/{order_id}/refunds"
    hr = {**seller.headers, "Idempotency-Key": "reuse-refund-1"}
    refund = await client.post(url, headers=hr, json={"amount": 500})
    assert refund.status_code == 201, refund.text
    _reused(await client.post(url, headers=hr, json={"amount": 700}))


async def test_deal_buy_reused_key_is_refused_on_the_database_path_and_the_edge_path(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    _, _, deal = await show_with_deal(api, client, stock=2, limit=2)
    await open_now(app.state.db, deal["id"])
    url = f"/api/v1/deals/{deal['id']}/buy"
    buyer = await api.user("buyer")
    h = {**buyer.headers, "Idempotency-Key": "reuse-deal-1"}

    # Database path: units are left, so the request goes all the way in.
    first = await client.post(url, headers=h, json=buy_body())
    assert first.status_code == 201, first.text
    _reused(await client.post(url, headers=h, json={**buy_body(), "quantity": 2}))

    # Edge path: once the deal is sold out the edge answers first; a key it admitted still
    # reaches the check, and is refused rather than handed the first order.
    other = await api.user("buyer")
    last = await client.post(
        url, headers={**other.headers, "Idempotency-Key": "reuse-deal-2"}, json=buy_body()
    )
    assert last.status_code == 201, last.text
    late = await api.user("buyer")
    sold_out = await client.post(
        url, headers={**late.headers, "Idempotency-Key": "reuse-deal-late"}, json=buy_body()
    )
    assert sold_out.status_code == 409 and sold_out.json()["code"] == "sold_out"
    _reused(await client.post(url, headers=h, json={**buy_body(), "quantity": 2}))
    replay = await client.post(url, headers=h, json=buy_body())
    assert replay.status_code == 201 and replay.json() == first.json()


async def test_a_refusal_is_not_a_result_so_its_retry_asks_again(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    """The documented rule on both deal paths: a key refused with sold_out (at the edge) or
    deal_not_open (in the database path) stored nothing, so the same key succeeds once the
    deal can sell; a stored result (a declined card) is replayed as it was."""
    _, _, deal = await show_with_deal(api, client, stock=1, limit=1)
    url = f"/api/v1/deals/{deal['id']}/buy"
    winner, loser = await api.user("buyer"), await api.user("buyer")
    hw = {**winner.headers, "Idempotency-Key": "rule-winner-1"}
    hl = {**loser.headers, "Idempotency-Key": "rule-loser-1"}

    early = await client.post(url, headers=hw, json=buy_body())
    assert early.status_code == 409 and early.json()["code"] == "deal_not_open"
    await open_now(app.state.db, deal["id"])
    won = await client.post(url, headers=hw, json=buy_body())  # the same key, now open
    assert won.status_code == 201, won.text

    before = _edge_answers((await client.get("/metrics")).text)
    refused = await client.post(url, headers=hl, json=buy_body())
    assert refused.status_code == 409 and refused.json()["code"] == "sold_out"
    assert _edge_answers((await client.get("/metrics")).text) == before + 1  # the edge said it
    again = await client.post(url, headers=hl, json=buy_body())
    assert again.status_code == 409 and again.json()["code"] == "sold_out"

    # The winner's declined card is a result: replayed, not retried.
    declined = await api.pay(winner, won.json()["id"], card="4000000000000002", key="rule-pay-1")
    assert declined.status_code == 402 and declined.json()["code"] == "card_declined"
    replayed = await api.pay(winner, won.json()["id"], card="4000000000000002", key="rule-pay-1")
    assert replayed.status_code == 402 and replayed.json() == declined.json()

    # The winner gives the unit back: the loser's same key now buys it, at once.
    r = await client.post(f"/api/v1/orders/{won.json()['id']}/cancel", headers=winner.headers)
    assert r.status_code == 200, r.text
    retry = await client.post(url, headers=hl, json=buy_body())
    assert retry.status_code == 201, retry.text


async def test_concurrent_retries_of_one_deal_buy_hold_one_unit(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    """Five copies of one request at once: one order, and every answer either is that order
    or says the attempt is still in progress (a refusal, so its retry gets the order)."""
    _, _, deal = await show_with_deal(api, client, stock=3, limit=2)
    await open_now(app.state.db, deal["id"])
    url = f"/api/v1/deals/{deal['id']}/buy"
    buyer = await api.user("buyer")
    h = {**buyer.headers, "Idempotency-Key": "same-copy-1"}
    copies = [client.post(url, headers=h, json=buy_body()) for _ in range(5)]
    answers = await asyncio.gather(*copies)
    orders = {r.json()["id"] for r in answers if r.status_code == 201}
    assert len(orders) == 1, [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code != 201} <= {"buy_in_progress"}
    retry = await client.post(url, headers=h, json=buy_body())
    assert retry.status_code == 201 and retry.json()["id"] in orders
    assert (await client.get(f"/api/v1/deals/{deal['id']}")).json()["left"] == 2
