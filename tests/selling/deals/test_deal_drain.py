"""An abusive account cannot drain the sold-out gate with requests the database would refuse."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

from tests.kits.deals import buy_body, open_now, show_with_deal
from tests.kits.factories import Api


async def test_an_abusive_account_cannot_stop_five_buyers_buying_five_units(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    _, _, deal = await show_with_deal(api, client, stock=6, limit=1, variant_stock=10)
    await open_now(app.state.db, deal["id"])
    url = f"/api/v1/deals/{deal['id']}/buy"
    abuser = await api.user("buyer")
    bought = await client.post(
        url, headers={**abuser.headers, "Idempotency-Key": "abuse-own-unit"}, json=buy_body()
    )
    assert bought.status_code == 201, bought.text  # the one unit the account may have

    stop = asyncio.Event()
    refused: list[httpx.Response] = []

    async def abuse(quantity: int) -> None:
        while not stop.is_set():
            headers = {**abuser.headers, "Idempotency-Key": f"abuse-{uuid.uuid4().hex}"}
            r = await client.post(url, headers=headers, json={**buy_body(), "quantity": quantity})
            refused.append(r)
            # A real client waits on the network; in-process, an answer from the edge comes
            # back without the loop ever yielding.
            await asyncio.sleep(0.001)

    # Over the limit (5 and 50 on a limit-1 deal), and more after the limit was reached (1).
    buyers = [await api.user("buyer") for _ in range(5)]
    loops = [asyncio.create_task(abuse(q)) for q in (5, 50, 1) * 2]
    try:
        await asyncio.sleep(0.3)  # the loops are running
        answers = []
        for i, buyer in enumerate(buyers):  # one at a time, each while the abuse goes on
            headers = {**buyer.headers, "Idempotency-Key": f"real-buyer-{i}"}
            answers.append(await client.post(url, headers=headers, json=buy_body()))
            await asyncio.sleep(0.02)
    finally:
        stop.set()
        await asyncio.gather(*loops)

    assert [r.status_code for r in answers] == [201] * 5, [r.text for r in answers]
    # Every abusive attempt was refused for what it is (and, once the five had bought,
    # as sold out), never with a 500 and never with an order.
    codes = [(r.status_code, r.json()["code"]) for r in refused]
    assert set(codes) <= {(409, "buyer_limit_reached"), (409, "sold_out")}
    assert codes.count((409, "buyer_limit_reached")) > 20
    left = (await client.get(f"/api/v1/deals/{deal['id']}")).json()["left"]
    assert left == 0
