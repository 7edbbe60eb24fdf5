"""Bids and giveaway entries over the room's WebSocket, with the same rules as over HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.kits.factories import Api
from tests.kits.promotions import API, open_auction
from tests.kits.room import RoomClient
from tests.kits.server import serve_app
from tests.kits.shows import live_show


async def test_bid_and_enter_giveaway_over_the_socket(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    show = await live_show(api, client, stock=5)
    auction = await open_auction(client, show)
    r = await client.post(
        f"{API}/shows/{show.show_id}/giveaways",
        headers=show.seller.headers,
        json={"variant_id": show.variant_id},
    )
    assert r.status_code == 201, r.text
    giveaway_id = r.json()["id"]
    bidder, rival = await api.user("buyer"), await api.user("buyer")
    async with serve_app(app) as base:
        a = await RoomClient.connect(base, show.show_id, token=bidder.token)
        b = await RoomClient.connect(base, show.show_id, token=rival.token)
        watcher = await RoomClient.connect(base, show.show_id)
        await a.send({"type": "bid", "auction_id": auction["id"], "amount": 1000, "ref": "b1"})
        await watcher.wait(lambda c: c.of("auction_bid"))
        await b.send({"type": "bid", "auction_id": auction["id"], "amount": 1000, "ref": "b2"})
        err = await b.wait(lambda c: c.of("error"))
        assert err[0].code == "bid_rejected" and err[0].ref == "b2"  # not above the current bid
        await b.send({"type": "enter_giveaway", "giveaway_id": giveaway_id})
        await watcher.send({"type": "enter_giveaway", "giveaway_id": giveaway_id})
        anon_err = await watcher.wait(lambda c: c.of("error"))
        assert anon_err[0].code == "auth_required"
        for c in (a, b, watcher):
            await c.close()

    bids = (await client.get(f"{API}/auctions/{auction['id']}/bids")).json()
    assert [(x["amount"]["amount"], x["accepted"], x["via"]) for x in bids] == [
        (1000, True, "ws"),
        (1000, False, "ws"),
    ]
    got = (await client.get(f"{API}/auctions/{auction['id']}")).json()
    assert got["current_price"]["amount"] == 1000
    entrants = (await client.get(f"{API}/giveaways/{giveaway_id}/entrants")).json()
    assert entrants == [rival.id]
