"""Auctions: proxy bids, ties, anti-sniping at its boundary, sudden death, the winner's order."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.db import utcnow
from liveshop.selling import tasks as promo_tasks
from liveshop.selling.auctions.models import Auction
from liveshop.selling.auctions.service import increment_at
from tests.kits.factories import Actor, Api, address
from tests.kits.promotions import API, TABLE, db_uow, open_auction
from tests.kits.shows import live_show, set_show_status


async def bid(
    client: httpx.AsyncClient,
    who: Actor,
    auction_id: int,
    amount: int,
    max_amount: int | None = None,
    key: str | None = None,
) -> httpx.Response:
    headers = dict(who.headers)
    if key:
        headers["Idempotency-Key"] = key
    body: dict[str, Any] = {"amount": amount}
    if max_amount is not None:
        body["max_amount"] = max_amount
    return await client.post(f"{API}/auctions/{auction_id}/bids", headers=headers, json=body)


async def set_times(app: Any, auction_id: int, **values: datetime) -> None:
    async with db_uow(app) as uow:
        await uow.session.execute(update(Auction).where(Auction.id == auction_id).values(**values))
        await uow.commit()


async def state(client: httpx.AsyncClient, auction_id: int) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"{API}/auctions/{auction_id}")).json()
    return body


def at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.mark.parametrize(
    ("price", "step"), [(0, 100), (1999, 100), (2000, 250), (9999, 250), (10000, 1000)]
)
def test_increment_table_applies_from_each_threshold(price: int, step: int) -> None:
    assert increment_at(TABLE, price) == step


async def test_proxy_bids_answer_challengers_one_increment_up(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    a, b, c = [await api.user("buyer") for _ in range(3)]
    auction = await open_auction(client, show)
    aid = auction["id"]
    assert auction["min_bid"]["amount"] == 1000 and auction["current_price"] is None

    r = await bid(client, a, aid, 1000, max_amount=3000)
    assert r.status_code == 201, r.text
    assert r.json()["leading"] is True and r.json()["auction"]["current_price"]["amount"] == 1000

    # B's 1100 is answered by A's proxy at 1100 + 100; A keeps the lead.
    r = await bid(client, b, aid, 1100)
    assert r.status_code == 201, r.text
    assert r.json()["leading"] is False and r.json()["bid"]["reason"] == "outbid_by_proxy"
    s = await state(client, aid)
    assert s["current_price"]["amount"] == 1200 and s["leader"] == r.json()["auction"]["leader"]

    # B's max beats A's 3000: B leads at 3000 + one increment (250 above 2000), not at 4000.
    r = await bid(client, b, aid, 2500, max_amount=4000)
    assert r.json()["leading"] is True
    assert r.json()["auction"]["current_price"]["amount"] == 3250
    assert r.json()["auction"]["min_bid"]["amount"] == 3500

    refused = await bid(client, c, aid, 3300)
    assert refused.status_code == 409
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "below_minimum"

    rows = (await client.get(f"{API}/auctions/{aid}/bids", headers=b.headers)).json()
    assert [(r["amount"]["amount"], r["accepted"], r["reason"], r["via"]) for r in rows] == [
        (1000, True, None, "http"),
        (1100, True, "outbid_by_proxy", "http"),
        (1200, True, "proxy", "proxy"),
        (2500, True, None, "http"),
        (3250, True, "proxy", "proxy"),
        (3300, False, "below_minimum", "http"),
    ]
    # Maxima are secret from rivals: B sees its own, not A's.
    assert [r["max_amount"] is not None for r in rows] == [False, True, False, True, True, False]


async def test_a_tie_on_the_same_amount_goes_to_the_earlier_bid(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    first, second = await api.user("buyer"), await api.user("buyer")
    aid = (await open_auction(client, show))["id"]
    assert (await bid(client, first, aid, 1000, max_amount=3000)).status_code == 201
    r = await bid(client, second, aid, 1100, max_amount=3000)
    assert r.status_code == 201 and r.json()["leading"] is False
    s = await state(client, aid)
    assert s["current_price"]["amount"] == 3000
    assert s["leader"] == r.json()["auction"]["leader"] != ""


async def test_equal_maxima_keep_the_first_bidder_ahead(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    early, late = await api.user("buyer"), await api.user("buyer")
    aid = (await open_auction(client, show))["id"]
    await bid(client, early, aid, 1000, max_amount=5000)
    r = await bid(client, late, aid, 5000)
    assert r.status_code == 201
    assert r.json()["leading"] is False and r.json()["bid"]["reason"] == "outbid_by_proxy"
    s = await state(client, aid)
    assert s["current_price"]["amount"] == 5000
    rows = (await client.get(f"{API}/auctions/{aid}/bids")).json()
    assert rows[-1]["bidder"] == s["leader"] and rows[-1]["via"] == "proxy"
    assert rows[0]["bidder"] == s["leader"]


@pytest.mark.parametrize(("offset", "extends"), [(-1.0, True), (+1.0, False)])
async def test_anti_sniping_extends_only_inside_the_last_n_seconds(
    api: Api, client: httpx.AsyncClient, offset: float, extends: bool, app: Any
) -> None:
    """A bid at end-N+ε moves the end to bid time + N; at end-N-ε it changes nothing."""
    show = await live_show(api, client)
    buyer = await api.user("buyer")
    aid = (await open_auction(client, show, anti_snipe_seconds=10))["id"]
    end = utcnow() + timedelta(seconds=10 + offset)
    await set_times(app, aid, ends_at=end)

    r = await bid(client, buyer, aid, 1000)
    assert r.status_code == 201, r.text
    placed_at = at(r.json()["bid"]["created_at"])
    ends_at = at(r.json()["auction"]["ends_at"])
    if extends:
        assert ends_at == placed_at + timedelta(seconds=10)
        assert ends_at > end
    else:
        assert ends_at == end
        assert end - placed_at >= timedelta(seconds=10)


async def test_sudden_death_never_extends_and_late_bids_are_refused(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client)
    buyer, late = await api.user("buyer"), await api.user("buyer")
    aid = (await open_auction(client, show, sudden_death=True, anti_snipe_seconds=15))["id"]
    end = utcnow() + timedelta(seconds=3)
    await set_times(app, aid, ends_at=end)
    r = await bid(client, buyer, aid, 1000)
    assert r.status_code == 201 and at(r.json()["auction"]["ends_at"]) == end

    await set_times(app, aid, ends_at=utcnow() - timedelta(milliseconds=1))
    r = await bid(client, late, aid, 5000)
    assert r.status_code == 409 and r.json()["code"] == "auction_ended"
    rows = (await client.get(f"{API}/auctions/{aid}/bids")).json()
    assert [(r["accepted"], r["reason"]) for r in rows] == [(True, None), (False, "auction_ended")]


async def test_winner_gets_a_pending_order_at_the_winning_price(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client, stock=3, prices={"UK": 1000})
    a, b = await api.user("buyer"), await api.user("buyer")
    aid = (await open_auction(client, show))["id"]
    assert (await api.variant(show.variant_id))["held"] == 1  # the lot is set aside
    await bid(client, a, aid, 1000, max_amount=2200)
    await bid(client, b, aid, 2000, max_amount=2500)  # b leads at 2200 + 250 = 2450
    assert (await state(client, aid))["current_price"]["amount"] == 2450

    assert (
        await promo_tasks.close_due_auctions(app.state.db, app.state.broker, hold_minutes=10) == 0
    )
    await set_times(app, aid, ends_at=utcnow() - timedelta(seconds=1))
    assert (
        await promo_tasks.close_due_auctions(app.state.db, app.state.broker, hold_minutes=10) == 1
    )
    s = await state(client, aid)
    assert s["status"] == "ended" and s["winner_order_id"]

    order = (await client.get(f"{API}/orders/{s['winner_order_id']}", headers=b.headers)).json()
    assert order["status"] == "pending_payment" and order["buyer_id"] == b.id
    assert order["total"]["amount"] == 2450
    line = order["lines"][0]
    assert line["unit_price"]["amount"] == 2450
    assert line["net"]["amount"] + line["tax"]["amount"] == line["gross"]["amount"] == 2450
    assert order["subtotal_net"]["amount"] + order["tax_total"]["amount"] == 2450
    assert order["source"] == {
        "channel": "live",
        "show_id": show.show_id,
        "host_id": show.seller.id,
        "auction_id": aid,
    }
    assert order["hold_expires_at"] is not None
    assert await api.variant(show.variant_id) == {"stock": 3, "held": 1, "available": 2}

    r = await client.post(
        f"{API}/auctions/{aid}/address", headers=b.headers, json={"address": address("UK")}
    )
    assert r.status_code == 200, r.text
    assert r.json()["address"]["city"] == "Leeds" and r.json()["total"]["amount"] == 2450
    other = await client.post(
        f"{API}/auctions/{aid}/address", headers=a.headers, json={"address": address("UK")}
    )
    assert other.status_code == 403
    assert (await api.pay(b, s["winner_order_id"])).status_code == 201
    assert await api.variant(show.variant_id) == {"stock": 2, "held": 0, "available": 2}


async def test_auction_without_bids_gives_its_unit_back(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    show = await live_show(api, client, stock=1)
    aid = (await open_auction(client, show))["id"]
    assert (await api.variant(show.variant_id))["available"] == 0
    await set_times(app, aid, ends_at=utcnow() - timedelta(seconds=1))
    await promo_tasks.close_due_auctions(app.state.db, app.state.broker, hold_minutes=10)
    s = await state(client, aid)
    assert s["status"] == "ended" and s["winner_order_id"] is None and s["leader"] is None
    assert await api.variant(show.variant_id) == {"stock": 1, "held": 0, "available": 1}


async def test_concurrent_bids_serialize_on_the_auction(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    buyers = [await api.user("buyer") for _ in range(12)]
    aid = (await open_auction(client, show))["id"]
    results = await asyncio.gather(*(bid(client, b, aid, 1000) for b in buyers))
    assert sorted(r.status_code for r in results) == [201] + [409] * 11
    assert {r.json()["code"] for r in results if r.status_code == 409} == {"below_minimum"}
    s = await state(client, aid)
    assert s["current_price"]["amount"] == 1000
    rows = (await client.get(f"{API}/auctions/{aid}/bids")).json()
    assert len(rows) == 12 and sum(r["accepted"] for r in rows) == 1


async def test_bid_replay_with_the_same_key_returns_the_first_result(
    api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    buyer = await api.user("buyer")
    aid = (await open_auction(client, show))["id"]
    first = await bid(client, buyer, aid, 1000, key="bid-key-0001")
    again = await bid(client, buyer, aid, 1000, key="bid-key-0001")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert len((await client.get(f"{API}/auctions/{aid}/bids")).json()) == 1
    reused = await bid(client, buyer, aid, 1500, key="bid-key-0001")
    assert reused.status_code == 422 and reused.json()["code"] == "idempotency_key_reused"


async def test_who_may_open_and_bid(api: Api, client: httpx.AsyncClient, app: Any) -> None:
    show = await live_show(api, client)
    stranger, german = await api.user("seller"), await api.user("buyer", market="DE")
    body = {
        "variant_id": show.variant_id,
        "market": "UK",
        "start_price": 1000,
        "increments": TABLE,
        "duration_seconds": 60,
    }
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions", headers=stranger.headers, json=body
    )
    assert r.status_code == 403
    aid = (await open_auction(client, show))["id"]
    own = await bid(client, show.seller, aid, 1000)
    assert own.status_code == 409 and own.json()["code"] == "own_auction"
    # The profile's market is no gate (anyone can change it); the winner's address is.
    away = await bid(client, german, aid, 1000)
    assert away.status_code == 201, away.text

    await set_show_status(app, show.show_id, "ended")
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions", headers=show.seller.headers, json=body
    )
    assert r.status_code == 409 and r.json()["code"] == "show_not_live"


@pytest.mark.parametrize(
    ("patch", "where"),
    [
        ({"increments": [[100, 50]]}, "increments"),
        ({"increments": [[0, 100], [0, 200]]}, "increments"),
        ({"increments": [[0, 0]]}, "increments"),
        ({"increments": [[0]]}, "increments"),
        ({"anti_snipe_seconds": 7}, "anti_snipe_seconds"),
        ({"start_price": 0}, "start_price"),
        ({"start_price": 2**70}, "start_price"),
        ({"duration_seconds": 1}, "duration_seconds"),
        ({"market": "XX"}, "market"),
    ],
)
async def test_bad_auction_input_is_a_422(
    api: Api, client: httpx.AsyncClient, patch: dict[str, Any], where: str
) -> None:
    show = await live_show(api, client)
    body = {
        "variant_id": show.variant_id,
        "market": "UK",
        "start_price": 1000,
        "increments": TABLE,
        "duration_seconds": 60,
        **patch,
    }
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions", headers=show.seller.headers, json=body
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith("application/problem+json")


async def test_bad_bids_are_4xx(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    buyer = await api.user("buyer")
    aid = (await open_auction(client, show))["id"]
    for body in ({"amount": -5}, {"amount": 1000, "max_amount": 900}, {"amount": "x"}, {}):
        r = await client.post(f"{API}/auctions/{aid}/bids", headers=buyer.headers, json=body)
        assert r.status_code == 422, (body, r.text)
    assert (await bid(client, buyer, 999_999, 1000)).status_code == 404
    assert (await client.get(f"{API}/auctions/0")).status_code == 422
    assert (await client.get(f"{API}/auctions/{2**40}/bids")).status_code == 422
