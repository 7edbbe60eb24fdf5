"""GET /shows/{id}/metrics: who may read a show's figures, and that the figures add up."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from liveshop.live.shows.models import Show
from liveshop.orders.models import Order
from tests.kits.factories import Api, address
from tests.kits.promotions import API, db_uow
from tests.kits.shows import live_show


def _problem(r: httpx.Response, status: int) -> None:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"


async def test_only_the_host_cohosts_and_admins_read_a_shows_metrics(
    client: httpx.AsyncClient, api: Api
) -> None:
    show = await live_show(api, client, prices={"UK": 1000, "DE": 900})
    url = f"{API}/shows/{show.show_id}/metrics"
    other_seller = await api.user("seller")
    await api.shop(other_seller)
    buyer = await api.user("buyer")
    admin = await api.user("admin")
    cohost = await api.user("creator")

    assert (await client.get(url, headers=show.seller.headers)).status_code == 200
    assert (await client.get(url, headers=admin.headers)).status_code == 200
    _problem(await client.get(url, headers=other_seller.headers), 403)
    _problem(await client.get(url, headers=buyer.headers), 403)
    _problem(await client.get(url), 401)
    _problem(await client.get(f"{API}/shows/999999/metrics", headers=show.seller.headers), 404)

    # A co-host reads them once the invitation is accepted, not before.
    r = await client.post(
        f"{API}/shows/{show.show_id}/cohosts",
        headers=show.seller.headers,
        json={"user_id": cohost.id},
    )
    assert r.status_code == 201, r.text
    _problem(await client.get(url, headers=cohost.headers), 403)
    r = await client.post(f"{API}/shows/{show.show_id}/cohosts/accept", headers=cohost.headers)
    assert r.status_code == 200, r.text
    assert (await client.get(url, headers=cohost.headers)).status_code == 200


async def test_metrics_count_viewers_likes_and_orders_per_currency(
    client: httpx.AsyncClient, api: Api, app: Any
) -> None:
    show = await live_show(api, client, stock=10, prices={"UK": 1000, "DE": 900})
    url = f"{API}/shows/{show.show_id}/metrics"
    empty = (await client.get(url, headers=show.seller.headers)).json()
    assert empty["orders"] == 0 and empty["gmv"] == [] and empty["by_market"] == []
    assert empty["viewers"]["now"] == 0

    async def buy(market: str, *, show_id: int | None = show.show_id) -> int:
        buyer = await api.user("buyer", market=market)
        r = await client.post(
            f"{API}/orders/buy-now",
            headers={**buyer.headers, "Idempotency-Key": f"metrics-{buyer.id}"},
            json={
                "market": market,
                "variant_id": show.variant_id,
                "quantity": 2 if market == "DE" else 1,
                "address": address(market),
                **({"show_id": show_id} if show_id else {}),
            },
        )
        assert r.status_code == 201, r.text
        order_id: int = r.json()[0]["id"]
        if market == "UK":
            assert (await api.pay(buyer, order_id)).status_code == 201
        return order_id

    await buy("UK")  # £10.00, paid
    await buy("DE")  # 2 x 9,00 €, pending payment
    await buy("UK", show_id=None)  # not bought from the show
    cancelled = await buy("DE")
    async with db_uow(app) as uow:  # a cancelled order drops out
        await uow.session.execute(
            update(Order).where(Order.id == cancelled).values(status="cancelled")
        )
        # Counters the room persisted earlier: the live ones never report less.
        await uow.session.execute(
            update(Show).where(Show.id == show.show_id).values(likes=7, peak_viewers=5)
        )
        await uow.commit()

    # The room-wide counters, as the room processes report them to the shared store.
    store = app.state.rooms.store
    await store.report(show.show_id, "proc-a", 2)
    await store.report(show.show_id, "proc-b", 1)
    for key in ("u1", "u2", "d-device", "u1"):
        await store.add_unique(show.show_id, key)
    await store.add_likes(show.show_id, 3)

    m = (await client.get(url, headers=show.seller.headers)).json()
    assert m["viewers"] == {"now": 3, "peak": 5, "unique": 3}
    assert m["likes"] == 7  # the persisted 7 beats the store's 3
    assert (m["orders"], m["paid_orders"]) == (2, 1)
    gmv = {g["currency"]: g for g in m["gmv"]}
    assert gmv["GBP"]["gmv"]["amount"] == 1000 and gmv["GBP"]["gmv"]["formatted"] == "£10.00"
    assert gmv["EUR"]["gmv"]["amount"] == 1800
    assert gmv["EUR"]["gmv"]["formatted"].replace("\xa0", " ") == "18,00 €"
    assert (gmv["EUR"]["orders"], gmv["EUR"]["paid_orders"]) == (1, 0)
    assert [(s["market"], s["orders"]) for s in m["by_market"]] == [("DE", 1), ("UK", 1)]

    await store.add_likes(show.show_id, 10)
    assert (await client.get(url, headers=show.seller.headers)).json()["likes"] == 13
