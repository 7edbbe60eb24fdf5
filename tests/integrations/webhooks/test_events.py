"""Which changes become which events, for whom: orders, shows, deals; and none on rollback."""

from __future__ import annotations

import json
from typing import Any

import httpx

from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show
from liveshop.uow import UnitOfWork
from tests.integrations.receiver import Receiver
from tests.integrations.webhooks.conftest import Hooks
from tests.kits.deals import buy_body, open_now, show_with_deal
from tests.kits.factories import Api
from tests.kits.shows import go_live
from tests.ledger import ledger_kit

ALL = [
    "order.created",
    "order.paid",
    "order.shipped",
    "order.refunded",
    "show.scheduled",
    "show.live",
    "show.ended",
    "deal.sold_out",
    "payout.paid",
]


def _events(receiver: Receiver) -> list[tuple[str, dict[str, Any]]]:
    """What arrived, in the order the changes happened: a batch goes out concurrently, so
    arrival order is not promised; the payload's timestamp (and the outbox id) is."""
    bodies = sorted((json.loads(a.body) for a in receiver.arrivals), key=lambda b: b["timestamp"])
    return [(b["type"], b["data"]) for b in bodies]


async def test_an_orders_life_is_told_in_order(hooks: Hooks, receiver: Receiver) -> None:
    await hooks.endpoint(receiver.url, ALL)
    buyer = await hooks.api.user("buyer")
    order = await hooks.api.paid_order(buyer, hooks.variant_id)
    c, h = hooks.api.c, hooks.seller.headers
    r = await c.post(
        f"/api/v1/orders/{order['id']}/ship",
        headers=h,
        json={"carrier": "Royal Mail", "tracking_number": "RM1"},
    )
    assert r.status_code == 200, r.text
    url = f"/api/v1/orders/{order['id']}/refunds"
    for n, amount in enumerate((400, 600)):
        r = await c.post(
            url, headers={**h, "Idempotency-Key": f"refund-{n}-x"}, json={"amount": amount}
        )
        assert r.status_code == 201, r.text
    await hooks.deliver()
    got = _events(receiver)
    assert [t for t, _ in got] == [
        "order.created",
        "order.paid",
        "order.shipped",
        "order.refunded",
        "order.refunded",
    ]
    assert got[2][1]["tracking_number"] == "RM1"
    assert [d["refunded_total"] for t, d in got if t == "order.refunded"] == [400, 1000]
    assert len(receiver.count()) == 5  # every event its own webhook-id


async def test_a_failed_change_queues_nothing(hooks: Hooks, receiver: Receiver) -> None:
    ep = await hooks.endpoint(receiver.url, ["order.created"])
    buyer = await hooks.api.user("buyer")
    r = await hooks.api.buy(buyer, hooks.variant_id, quantity=51)  # more than in stock
    assert r.status_code in (409, 422), r.text
    assert await hooks.deliveries(ep["id"]) == []
    assert await hooks.deliver() == 0


async def test_show_events_reach_the_shop_and_the_host(
    hooks: Hooks, receiver: Receiver, api: Api, client: httpx.AsyncClient
) -> None:
    creator = await api.user("creator")
    await hooks.endpoint(
        receiver.url,
        ["show.scheduled", "show.live", "show.ended"],
        owner=("creator", creator.id),
        headers=creator.headers,
    )
    other = await api.user("seller")
    other_shop = await api.shop(other)
    r = await client.post(
        "/api/v1/integrations/webhooks",
        headers=other.headers,
        json={
            "owner_kind": "shop",
            "owner_id": other_shop["id"],
            "url": receiver.url,
            "events": ALL,
        },
    )
    assert r.status_code == 201
    r = await client.post(
        "/api/v1/shows",
        headers=creator.headers,
        json={"title": "Night market", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"]},
    )
    assert r.status_code == 201, r.text
    show_id = r.json()["id"]
    await go_live(client, show_id)
    async with UnitOfWork(db=hooks.app.state.db, broker=hooks.app.state.broker) as uow:
        show = await uow.session.get(Show, show_id)
        assert show is not None
        await shows.end(uow=uow, show=show)
        await uow.commit()
    await hooks.deliver()
    got = _events(receiver)
    assert [t for t, _ in got] == ["show.scheduled", "show.live", "show.ended"]
    assert {d["id"] for _, d in got} == {show_id}
    assert got[2][1]["status"] == "ended" and got[2][1]["ended_at"]


async def test_the_last_deal_unit_sold_is_told_once(
    hooks: Hooks, receiver: Receiver, api: Api, client: httpx.AsyncClient
) -> None:
    seller, show, deal = await show_with_deal(api, client, stock=2)
    r = await client.post(
        "/api/v1/integrations/webhooks",
        headers=seller.headers,
        json={
            "owner_kind": "shop",
            "owner_id": show["shop_id"],
            "url": receiver.url,
            "events": ["deal.sold_out"],
        },
    )
    assert r.status_code == 201, r.text
    await go_live(client, show["id"])
    await open_now(hooks.app.state.db, deal["id"])
    for _ in range(2):
        buyer = await api.user("buyer")
        r = await client.post(
            f"/api/v1/deals/{deal['id']}/buy", headers=buyer.headers, json=buy_body()
        )
        assert r.status_code == 201, r.text
        assert await hooks.deliver() == 0  # held is not sold
        order_id = r.json()["id"]
        assert (await api.pay(buyer, order_id)).status_code == 201
    await hooks.deliver()
    got = _events(receiver)
    assert [t for t, _ in got] == ["deal.sold_out"]
    assert got[0][1]["deal_id"] == deal["id"] and got[0][1]["units"] == 2


async def test_a_payout_is_told_to_the_shop_it_paid(
    hooks: Hooks, receiver: Receiver, client: httpx.AsyncClient
) -> None:
    await hooks.endpoint(receiver.url, ["payout.paid"])
    buyer = await hooks.api.user("buyer")
    order = await hooks.api.paid_order(buyer, hooks.variant_id)
    await ledger_kit.deliver(client, hooks.seller, order["id"], days_ago=9)  # UK settles at 8
    admin = await hooks.api.user("admin")
    r = await client.post("/api/v1/ledger/admin/settle", headers=admin.headers)
    assert r.status_code == 200 and r.json()["settled"] == 1, r.text
    run = await ledger_kit.payout_run(client, admin, "GBP", "payout-webhook-run-1")
    assert run["payouts"] == 1, run
    await hooks.deliver()
    got = _events(receiver)
    assert [t for t, _ in got] == ["payout.paid"]
    data = got[0][1]
    assert (data["owner_kind"], data["owner_id"]) == ("shop", hooks.shop["id"])
    assert (data["amount"], data["currency"]) == (run["total"]["amount"], "GBP")
    # The same run again pays nothing, so tells nothing.
    await ledger_kit.payout_run(client, admin, "GBP", "payout-webhook-run-1")
    await hooks.deliver()
    assert len(receiver.arrivals) == 1
