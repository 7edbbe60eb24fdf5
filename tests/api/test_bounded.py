"""Bounded everything (issue 10, item 8): paced bids and entries, paged lists, refused bids
that do not pile up, and a show list whose cost does not grow with its length.

The server-side frame cap is in test_server_limits.py; 64-bit money in test_fuzz_findings.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from liveshop.accounts.models import User
from liveshop.selling.auctions import service as auctions
from tests.kits.factories import Actor, Api
from tests.kits.promotions import API, db_uow
from tests.kits.room import RoomClient
from tests.kits.server import serve_app
from tests.kits.shows import LiveShow, live_show

TABLE = [[0, 100], [2000, 250], [10000, 1000]]
KEEP_REFUSED = 200  # refused bids kept per auction (selling/auctions.py)


async def _auction(client: httpx.AsyncClient, show: LiveShow) -> int:
    body = {
        "variant_id": show.variant_id,
        "market": "UK",
        "start_price": 1000,
        "increments": TABLE,
        "duration_seconds": 600,
    }
    r = await client.post(
        f"{API}/shows/{show.show_id}/auctions", headers=show.seller.headers, json=body
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _bid(client: httpx.AsyncClient, who: Actor, auction_id: int, amount: int) -> Any:
    body = {"amount": amount}
    return await client.post(f"{API}/auctions/{auction_id}/bids", headers=who.headers, json=body)


async def _giveaway(client: httpx.AsyncClient, show: LiveShow) -> int:
    r = await client.post(
        f"{API}/shows/{show.show_id}/giveaways",
        headers=show.seller.headers,
        json={"variant_id": show.variant_id},
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def test_bids_are_paced_per_user(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    aid = await _auction(client, show)
    eager, calm = await api.user("buyer"), await api.user("buyer")
    answers = [(await _bid(client, eager, aid, 1000 + 100 * n)).status_code for n in range(5)]
    assert all(code in (201, 409) for code in answers), answers
    r = await _bid(client, eager, aid, 5000)
    assert r.status_code == 429, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "rate_limited" and int(r.headers["retry-after"]) >= 1
    assert (await _bid(client, calm, aid, 6000)).status_code == 201  # per user, not per room
    bids = (await client.get(f"{API}/auctions/{aid}/bids")).json()
    assert 5000 not in [b["amount"]["amount"] for b in bids]  # the paced bid was not stored


async def test_giveaway_entries_are_paced_per_user(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    gid = await _giveaway(client, show)
    fan = await api.user("buyer")
    url = f"{API}/giveaways/{gid}/entries"
    codes = [(await client.post(url, headers=fan.headers)).status_code for _ in range(5)]
    assert codes == [201] * 5
    r = await client.post(url, headers=fan.headers)
    assert r.status_code == 429 and r.json()["code"] == "rate_limited", r.text
    other = await api.user("buyer")
    assert (await client.post(url, headers=other.headers)).json()["count"] == 2


async def test_bids_and_entrants_come_in_pages(api: Api, client: httpx.AsyncClient) -> None:
    show = await live_show(api, client)
    aid, gid = await _auction(client, show), await _giveaway(client, show)
    buyers = [await api.user("buyer") for _ in range(5)]
    for n, buyer in enumerate(buyers):
        assert (await _bid(client, buyer, aid, 1000 + 100 * n)).status_code == 201
        r = await client.post(f"{API}/giveaways/{gid}/entries", headers=buyer.headers)
        assert r.status_code == 201

    url = f"{API}/auctions/{aid}/bids"
    first = (await client.get(url, params={"limit": 2})).json()
    rest = (await client.get(url, params={"limit": 100, "after": first[-1]["id"]})).json()
    assert len(first) == 2 and len(rest) == 3
    assert [b["id"] for b in first + rest] == sorted(b["id"] for b in first + rest)
    assert (await client.get(url, params={"limit": 501})).status_code == 422

    url = f"{API}/giveaways/{gid}/entrants"
    first = (await client.get(url, params={"limit": 3})).json()
    rest = (await client.get(url, params={"after": first[-1]})).json()
    assert first + rest == sorted(b.id for b in buyers)
    assert (await client.get(url, params={"limit": 100_000})).status_code == 422


async def test_refused_bids_do_not_pile_up(api: Api, client: httpx.AsyncClient, app: Any) -> None:
    """Refusals stay auditable, but only the latest KEEP_REFUSED of them per auction."""
    show = await live_show(api, client)
    aid = await _auction(client, show)
    async with db_uow(app) as uow:
        seller = await uow.session.get(User, show.seller.id)
        assert seller is not None
        for n in range(KEEP_REFUSED + 30):  # the seller bidding on their own auction
            bid = await auctions.place_bid(
                session=uow.session,
                bidder=seller,
                auction_id=aid,
                amount=1000 + n,
                max_amount=None,
                via="http",
            )
            assert bid.reason == "own_auction"
        await uow.commit()
    buyer = await api.user("buyer")
    assert (await _bid(client, buyer, aid, 1000)).status_code == 201
    bids = (await client.get(f"{API}/auctions/{aid}/bids", params={"limit": 500})).json()
    refused = [b for b in bids if not b["accepted"]]
    assert len(refused) == KEEP_REFUSED
    assert refused[-1]["amount"]["amount"] == 1000 + KEEP_REFUSED + 29  # the newest are kept
    assert [b["amount"]["amount"] for b in bids if b["accepted"]] == [1000]


@contextmanager
def count_queries(app: Any) -> Iterator[list[str]]:
    statements: list[str] = []
    engines = {id(e): e.sync_engine for e in (app.state.db.read, app.state.db.write)}

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    for engine in engines.values():
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines.values():
            event.remove(engine, "before_cursor_execute", record)


async def test_show_list_cost_does_not_grow_with_the_shows(
    api: Api, client: httpx.AsyncClient, app: Any
) -> None:
    host = await api.user("seller")
    shop = await api.shop(host)
    product = await api.product(host, shop["id"])
    cohost = await api.user("creator")

    async def new_show() -> None:
        body = {
            "title": "Many",
            "starts_at": "2030-01-01T18:00:00Z",
            "markets": ["UK"],
            "product_ids": [product["id"]],
            "shop_id": shop["id"],
        }
        r = await client.post(f"{API}/shows", headers=host.headers, json=body)
        assert r.status_code == 201, r.text
        sid = r.json()["id"]
        r = await client.post(
            f"{API}/shows/{sid}/cohosts", headers=host.headers, json={"user_id": cohost.id}
        )
        assert r.status_code == 201, r.text

    async def list_cost() -> tuple[int, int]:
        with count_queries(app) as statements:
            r = await client.get(f"{API}/shows", params={"limit": 100})
        assert r.status_code == 200
        return len(r.json()), len(statements)

    await new_show()
    shows_1, cost_1 = await list_cost()
    for _ in range(9):
        await new_show()
    shows_10, cost_10 = await list_cost()
    assert (shows_1, shows_10) == (1, 10)
    print(f"GET /shows: {cost_1} statements for 1 show, {cost_10} for 10")
    assert cost_10 == cost_1 <= 8, (cost_1, cost_10)
    listed = (await client.get(f"{API}/shows")).json()
    assert all(s["product_ids"] == [product["id"]] and len(s["cohosts"]) == 1 for s in listed)


async def test_socket_bids_share_the_pace_with_http(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client)
    aid = await _auction(client, show)
    bidder = await api.user("buyer")
    for n in range(5):
        assert (await _bid(client, bidder, aid, 1000 + 100 * n)).status_code in (201, 409)
    async with serve_app(app) as base:
        room = await RoomClient.connect(base, show.show_id, token=bidder.token)
        await room.wait(lambda c: c.of("snapshot"))
        await room.send({"type": "bid", "auction_id": aid, "amount": 9000, "ref": "fast"})
        error = (await room.wait(lambda c: c.of("error")))[0]
        assert (error.code, error.ref) == ("rate_limited", "fast") and error.retry_after > 0
        await room.close()
    bids = (await client.get(f"{API}/auctions/{aid}/bids")).json()
    assert 9000 not in [b["amount"]["amount"] for b in bids]
