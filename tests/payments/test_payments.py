"""Sandbox payments: test cards, idempotency under concurrency, confirmation, refunds."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from sqlalchemy import func, select

from liveshop.payments.models import SandboxCharge
from liveshop.payments.sandbox import CARD_CONFIRM, CARD_DECLINED, CARD_INSUFFICIENT, CONFIRM_CODE
from tests.kits.factories import Actor, Api


async def _charges(app: Any) -> int:
    async with app.state.db.read.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(SandboxCharge))).scalar_one()
        )


async def _setup(api: Api, stock: int = 5, price: int = 2500) -> tuple[Actor, Actor, dict]:
    seller = await api.user("seller")
    product = await api.product(
        seller, (await api.shop(seller))["id"], stock=stock, prices={"UK": price}
    )
    buyer = await api.user("buyer")
    order = await api.order(buyer, product["variants"][0]["id"])
    return seller, buyer, order


async def test_same_payment_submitted_five_times_concurrently_charges_once(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    _, buyer, order = await _setup(api)
    results = await asyncio.gather(
        *(api.pay(buyer, order["id"], key="pay-key-00001") for _ in range(5))
    )
    assert [r.status_code for r in results] == [201] * 5
    assert len({r.json()["id"] for r in results}) == 1
    assert await _charges(app) == 1
    got = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers)).json()
    assert got["status"] == "paid"


async def test_a_second_key_cannot_pay_a_paid_order(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    _, buyer, order = await _setup(api)
    assert (await api.pay(buyer, order["id"])).status_code == 201
    again = await api.pay(buyer, order["id"])
    assert again.status_code == 409
    assert again.json()["code"] == "order_already_paid"
    assert await _charges(app) == 1


async def test_reusing_a_key_for_another_request_is_refused(api: Api) -> None:
    _, buyer, order = await _setup(api)
    assert (await api.pay(buyer, order["id"], key="shared-key-1")).status_code == 201
    r = await api.pay(buyer, order["id"], key="shared-key-1", card="4000056655665556")
    assert r.status_code == 422
    assert r.json()["code"] == "idempotency_key_reused"


async def test_declined_cards_leave_the_order_payable(api: Api, client: httpx.AsyncClient) -> None:
    _, buyer, order = await _setup(api)
    for card, code in ((CARD_DECLINED, "card_declined"), (CARD_INSUFFICIENT, "insufficient_funds")):
        r = await api.pay(buyer, order["id"], card=card)
        assert r.status_code == 402
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["code"] == code
    assert (await api.pay(buyer, order["id"])).status_code == 201
    kinds = [
        e["kind"]
        for e in (
            await client.get(f"/api/v1/orders/{order['id']}/events", headers=buyer.headers)
        ).json()
    ]
    assert kinds == ["placed", "payment_failed", "payment_failed", "paid"]


async def test_invalid_card_number_is_a_4xx(api: Api) -> None:
    _, buyer, order = await _setup(api)
    r = await api.pay(buyer, order["id"], card="4242424242424241")
    assert r.status_code == 422
    assert r.json()["code"] == "invalid_card_number"


async def test_card_needing_confirmation(api: Api, client: httpx.AsyncClient) -> None:
    _, buyer, order = await _setup(api)
    r = await api.pay(buyer, order["id"], card=CARD_CONFIRM)
    assert r.status_code == 202
    payment = r.json()
    assert payment["status"] == "requires_action" and payment["next_action"] == "confirm"
    url = f"/api/v1/payments/{payment['id']}/confirm"
    wrong = await client.post(url, headers=buyer.headers, json={"code": "000000"})
    assert wrong.status_code == 402 and wrong.json()["code"] == "confirmation_failed"
    ok = await client.post(url, headers=buyer.headers, json={"code": CONFIRM_CODE})
    assert ok.status_code == 201 and ok.json()["status"] == "succeeded"
    got = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers)).json()
    assert got["status"] == "paid"


async def test_partial_then_full_refund(api: Api, client: httpx.AsyncClient) -> None:
    seller, buyer, order = await _setup(api, price=2500)
    assert (await api.pay(buyer, order["id"])).status_code == 201
    url = f"/api/v1/orders/{order['id']}/refunds"
    h = {**seller.headers, "Idempotency-Key": "refund-part-1"}
    first = await client.post(url, headers=h, json={"amount": 1000, "reason": "scuffed"})
    replay = await client.post(url, headers=h, json={"amount": 1000, "reason": "scuffed"})
    assert first.status_code == replay.status_code == 201
    assert first.json() == replay.json()
    got = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers)).json()
    assert got["status"] == "partially_refunded"
    assert got["refunded_total"]["amount"] == 1000

    too_much = await client.post(
        url, headers={**seller.headers, "Idempotency-Key": "refund-big-1"}, json={"amount": 1501}
    )
    assert too_much.status_code == 422 and too_much.json()["code"] == "refund_too_large"
    rest = await client.post(
        url, headers={**seller.headers, "Idempotency-Key": "refund-rest-1"}, json={}
    )
    assert rest.status_code == 201 and rest.json()["amount"] == 1500
    got = (await client.get(f"/api/v1/orders/{order['id']}", headers=buyer.headers)).json()
    assert got["status"] == "refunded" and got["refunded_total"]["amount"] == 2500
