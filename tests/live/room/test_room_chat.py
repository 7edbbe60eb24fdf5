"""The live room over real WebSockets: chat, likes, pins, purchases, bad input."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from liveshop.live.room.models import ChatMessage, ShowPin
from tests.kits.factories import Api
from tests.kits.room import RoomClient, chat_texts, make_show
from tests.kits.server import serve_app

XSS = "<script>alert('x')</script><img src=x onerror=alert(1)>&amp; \"quoted\""


async def test_chat_reaches_every_viewer_as_the_same_inert_text(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    host, show, _ = await make_show(api, client)
    buyer = await api.user("buyer")
    async with serve_app(app) as base:
        anon = await RoomClient.connect(base, show["id"])
        viewer = await RoomClient.connect(base, show["id"], token=host.token)
        talker = await RoomClient.connect(base, show["id"], token=buyer.token)
        for c in (anon, viewer, talker):
            snap = await c.wait(lambda c: c.of("snapshot"))
            assert snap[0].state.status == "live" and snap[0].state.title == "Room test"

        await talker.chat(XSS, ref="m1")
        await talker.chat("second")
        for c in (anon, viewer, talker):
            await c.wait(lambda c: len(c.of("chat")) == 2)
            assert chat_texts(c) == [XSS, "second"]  # byte-for-byte: no escaping, no HTML
            assert c.of("chat")[0].user.id == buyer.id

        await anon.chat("hello")
        err = await anon.wait(lambda c: c.of("error"))
        assert err[0].code == "auth_required"

        await talker.send("not json")
        await talker.send({"type": "bid", "amount": 5})
        await talker.send({"type": "chat", "text": "   "})
        await talker.send({"type": "chat", "text": "x" * 501})
        await talker.send({"type": "ping", "nonce": "n1"})
        await talker.wait(lambda c: c.of("pong"))
        codes = [e.code for e in talker.of("error")]
        assert codes == ["invalid_message"] * 4
        assert talker.of("pong")[0].nonce == "n1"

        state = (await client.get(f"/api/v1/shows/{show['id']}/room")).json()
        assert [m["text"] for m in state["chat"]] == [XSS, "second"]
        for c in (anon, viewer, talker):
            await c.close()

    assert (await client.get("/api/v1/shows/999/room")).status_code == 404


async def test_unknown_show_and_bad_token_are_refused_with_typed_errors(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    _, show, _ = await make_show(api, client)
    async with serve_app(app) as base:
        missing = await RoomClient.connect(base, 424242)
        assert await missing.wait_closed() == 4404
        assert missing.of("error")[0].code == "show_not_found"
        bad = await RoomClient.connect(base, show["id"], token="nope")
        assert await bad.wait_closed() == 4401
        assert bad.of("error")[0].code == "invalid_token"


async def test_many_likes_become_few_like_counts_with_the_right_total(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    _, show, _ = await make_show(api, client)
    fans = [await api.user("buyer") for _ in range(4)]
    async with serve_app(app) as base:
        watcher = await RoomClient.connect(base, show["id"])
        likers = [await RoomClient.connect(base, show["id"], token=f.token) for f in fans]
        for liker in likers:
            for _ in range(25):
                await liker.send({"type": "like"})
        await watcher.wait(lambda c: c.of("like_count") and c.of("like_count")[-1].count == 100)
        counts = watcher.of("like_count")
        assert len(counts) <= 10, [c.count for c in counts]
        assert [c.count for c in counts] == sorted(c.count for c in counts)

        await likers[0].send({"type": "like", "count": 0})
        for _ in range(40):  # past the per-connection limit
            await likers[0].send({"type": "like", "count": 2})
        errors = await likers[0].wait(lambda c: c.of("error"))
        assert {e.code for e in errors} >= {"invalid_message", "rate_limited"}
        for c in (watcher, *likers):
            await c.close()


async def test_host_pins_products_and_viewers_see_prices_stock_and_purchases(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    host, show, products = await make_show(api, client, products=4, stock=5)
    sid = show["id"]
    buyer = await api.user("buyer")
    async with serve_app(app) as base:
        viewer = await RoomClient.connect(base, sid)
        await viewer.wait(lambda c: c.of("snapshot"))
        for p in products[:3]:
            r = await client.post(
                f"/api/v1/shows/{sid}/pins", headers=host.headers, json={"product_id": p["id"]}
            )
            assert r.status_code == 201, r.text
        r = await client.post(
            f"/api/v1/shows/{sid}/pins",
            headers=host.headers,
            json={"product_id": products[3]["id"]},
        )
        assert r.status_code == 409 and r.json()["code"] == "too_many_pins"
        r = await client.post(
            f"/api/v1/shows/{sid}/pins",
            headers=buyer.headers,
            json={"product_id": products[3]["id"]},
        )
        assert r.status_code == 403
        pins = await viewer.wait(lambda c: len(c.of("pin")) == 3 and c.of("pin"))
        first = pins[0].product
        assert first.product_id == products[0]["id"]
        prices = {p.market: p.formatted for p in first.variants[0].prices}
        assert prices == {"UK": "£12.50", "DE": "14,99\xa0€"}
        assert first.variants[0].available == 5

        r = await client.delete(
            f"/api/v1/shows/{sid}/pins/{products[1]['id']}", headers=host.headers
        )
        assert r.status_code == 204
        unpin = await viewer.wait(lambda c: c.of("unpin"))
        assert unpin[0].product_id == products[1]["id"]
        assert (
            await client.delete(
                f"/api/v1/shows/{sid}/pins/{products[1]['id']}", headers=host.headers
            )
        ).status_code == 404

        variant_id = first.variants[0].id
        order = await api.order(buyer, variant_id, quantity=2)  # not from the room: no news
        r = await client.post(
            "/api/v1/orders/buy-now",
            headers=buyer.headers,
            json={
                "market": "UK",
                "variant_id": variant_id,
                "quantity": 1,
                "show_id": sid,
                "address": {
                    "name": "Alice Secret",
                    "line1": "1 High Street",
                    "city": "Leeds",
                    "postcode": "LS1 1AA",
                    "country": "UK",
                },
            },
        )
        assert r.status_code == 201, r.text
        assert (await api.pay(buyer, r.json()[0]["id"])).status_code == 201
        assert (await api.pay(buyer, order["id"])).status_code == 201
        stock = await viewer.wait(
            lambda c: [e for e in c.of("stock") if e.variant_id == variant_id and e.available == 2]
        )
        assert stock
        bought = await viewer.wait(lambda c: c.of("purchase"))
        assert len(bought) == 1
        assert bought[0].message == f"Someone in Leeds just bought {products[0]['title']}"
        raw = bought[0].model_dump_json()
        assert "Alice" not in raw and buyer.email not in raw and "High Street" not in raw

        r = await client.put(
            f"/api/v1/shows/{sid}/pinned-message", headers=host.headers, json={"text": "Free P&P"}
        )
        assert r.status_code == 204
        r = await client.delete(f"/api/v1/shows/{sid}/pinned-message", headers=host.headers)
        assert r.status_code == 204
        msgs = await viewer.wait(
            lambda c: len(c.of("pinned_message")) == 2 and c.of("pinned_message")
        )
        assert [m.text for m in msgs] == ["Free P&P", None]
        await viewer.close()

    listed = (await client.get(f"/api/v1/shows/{sid}/pins")).json()
    assert [p["product_id"] for p in listed] == [products[0]["id"], products[2]["id"]]
    app_db = app.state.db
    async with app_db.read.connect() as conn:
        rows = (await conn.execute(select(ShowPin).order_by(ShowPin.id))).all()
        assert [r.unpinned_at is not None for r in rows] == [False, True, False]
        assert (await conn.execute(select(ChatMessage))).first() is None
