"""A viewer who arrives late gets the room as stored; selling stops when the show ends."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from liveshop.live.media import nginx as media
from liveshop.live.shows import service as shows
from liveshop.live.shows.models import Show
from liveshop.uow import UnitOfWork
from tests.kits.deals import buy_body, open_now, show_with_deal
from tests.kits.factories import Api
from tests.kits.room import RoomClient, make_show
from tests.kits.server import serve_app


async def _go_live_like_the_hook(app: Any, show_id: int) -> None:
    """What on_publish does, with no room open anywhere to witness it."""
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        show = await uow.session.get(Show, show_id)
        assert show is not None
        url = media.live_playlist_url(app.state.settings, show_id)
        await shows.go_live(uow=uow, show=show, hls_url=url)
        await uow.commit()


async def _end(app: Any, show_id: int) -> None:
    """What on_publish_done (or the monitor, after the grace) does."""
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        show = await uow.session.get(Show, show_id)
        assert show is not None
        await shows.end(uow=uow, show=show)
        await uow.commit()


async def test_a_viewer_who_arrives_after_go_live_gets_video_pins_and_message(
    app: Any, client: httpx.AsyncClient, api: Api
) -> None:
    seller, show, items = await make_show(api, client, live=False)
    sid = show["id"]
    await _go_live_like_the_hook(app, sid)
    r = await client.post(
        f"/api/v1/shows/{sid}/pins", headers=seller.headers, json={"product_id": items[0]["id"]}
    )
    assert r.status_code == 201, r.text
    r = await client.put(
        f"/api/v1/shows/{sid}/pinned-message", headers=seller.headers, json={"text": "Hi all"}
    )
    assert r.status_code == 204, r.text

    playback = (await client.get(f"/api/v1/shows/{sid}/playback")).json()
    assert playback["hls_url"]
    room = (await client.get(f"/api/v1/shows/{sid}/room")).json()
    assert room["status"] == "live"
    assert room["hls_url"] == playback["hls_url"]
    assert [p["product_id"] for p in room["pins"]] == [items[0]["id"]]
    assert room["pinned_message"] == "Hi all"

    async with serve_app(app) as base:
        viewer = await RoomClient.connect(base, sid)
        snap = (await viewer.wait(lambda x: x.of("snapshot")))[0].state
        assert snap.hls_url == playback["hls_url"]
        assert [p.product_id for p in snap.pins] == [items[0]["id"]]
        assert snap.pinned_message == "Hi all"
        await viewer.close()

    await _end(app, sid)
    room = (await client.get(f"/api/v1/shows/{sid}/room")).json()
    assert room["status"] == "ended" and room["hls_url"] is None


async def test_ending_the_show_ends_its_deals_and_closes_its_auctions(
    app: Any, client: httpx.AsyncClient, api: Api
) -> None:
    seller, show, deal = await show_with_deal(api, client, stock=5, limit=1, variant_stock=20)
    sid = show["id"]
    await _go_live_like_the_hook(app, sid)
    await open_now(app.state.db, deal["id"])
    early = await api.user("buyer")
    r = await client.post(
        f"/api/v1/deals/{deal['id']}/buy",
        headers={**early.headers, "Idempotency-Key": uuid.uuid4().hex},
        json=buy_body(),
    )
    assert r.status_code in (200, 201), r.text

    variant_id = deal["variant_id"]
    r = await client.post(
        f"/api/v1/shows/{sid}/auctions",
        headers=seller.headers,
        json={
            "variant_id": variant_id,
            "market": "UK",
            "start_price": 500,
            "increments": [[0, 100]],
            "duration_seconds": 600,
        },
    )
    assert r.status_code == 201, r.text
    auction = r.json()
    bidder = await api.user("buyer")
    r = await client.post(
        f"/api/v1/auctions/{auction['id']}/bids",
        headers={**bidder.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"amount": 500},
    )
    assert r.status_code == 201, r.text

    async with serve_app(app) as base:
        viewer = await RoomClient.connect(base, sid)
        await viewer.wait(lambda x: x.of("snapshot"))
        await _end(app, sid)
        await viewer.wait(lambda x: x.of("deal_ended") and x.of("auction_ended"))
        await viewer.close()

    late = await api.user("buyer")
    r = await client.post(
        f"/api/v1/deals/{deal['id']}/buy",
        headers={**late.headers, "Idempotency-Key": uuid.uuid4().hex},
        json=buy_body(),
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "deal_ended"
    deals = (await client.get(f"/api/v1/shows/{sid}/deals")).json()
    assert [(d["id"], d["status"]) for d in deals] == [(deal["id"], "ended")]

    ended = (await client.get(f"/api/v1/auctions/{auction['id']}")).json()
    assert ended["status"] == "ended"
    r = await client.post(
        f"/api/v1/auctions/{auction['id']}/bids",
        headers={**late.headers, "Idempotency-Key": uuid.uuid4().hex},
        json={"amount": 900},
    )
    assert r.status_code == 409, r.text
