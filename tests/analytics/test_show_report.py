"""A scripted show through the real paths, and every per-show figure against a hand count.

Viewers are real WebSocket clients joining and leaving at known moments; clicks, carts and
checkouts come through the beacon over HTTP; orders through buy-now and payment; one order
is partly refunded. The report is read back through the API, as the studio reads it.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest

from liveshop.analytics import rollup
from liveshop.analytics.ingest import recorder
from liveshop.analytics.store import SqlEventStore
from liveshop.settings import Settings
from tests.kits.factories import Api, address
from tests.kits.room import RoomClient, make_show
from tests.kits.server import serve_app

HOLD = 1.2  # seconds each audience size lasts


async def _wait_count(client: RoomClient, n: int) -> None:
    await client.wait(lambda c: any(e.count == n for e in c.of("viewers")[-1:]), within=10)


def _beacon(kind: str, n: int, show_id: int, product_id: int | None = None) -> dict[str, Any]:
    now = int(time.time() * 1000)
    return {
        "events": [
            {
                "id": uuid.uuid4().hex,
                "kind": kind,
                "at": now,
                "show_id": show_id,
                "product_id": product_id,
                "viewer": f"page-{i}",
            }
            for i in range(n)
        ]
    }


@pytest.fixture
def fast_room(settings: Settings) -> Settings:
    return settings.model_copy(update={"room_stats_seconds": 0.2, "analytics_flush_seconds": 0.2})


async def test_scripted_show(fast_room: Settings, make_app: Any) -> None:
    async with make_app(fast_room, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        client = httpx.AsyncClient(transport=transport, base_url="http://test")
        async with serve_app(app) as base:
            api = Api(client)
            seller, show, items = await make_show(api, client, products=2, stock=20)
            sid = show["id"]
            a, b, c = [await api.user() for _ in range(3)]
            watched: list[float] = []
            segments: list[tuple[int, float]] = []

            async def join(actor: Any) -> tuple[RoomClient, float]:
                token = actor.token if actor is not None else None
                return await RoomClient.connect(base, sid, token=token), time.monotonic()

            async def leave(room: RoomClient, since: float) -> None:
                await room.close()
                watched.append(time.monotonic() - since)

            seg_start = time.monotonic()

            def segment(size: int) -> None:
                nonlocal seg_start
                now = time.monotonic()
                segments.append((size, now - seg_start))
                seg_start = now

            # 2 viewers
            ra, ta = await join(a)
            rb, tb = await join(b)
            await _wait_count(rb, 2)
            seg_start = time.monotonic()
            await asyncio.sleep(HOLD)
            # 3 viewers
            rc, tc = await join(c)
            await _wait_count(rb, 3)
            segment(2)
            await asyncio.sleep(HOLD)
            # A leaves: 2 viewers; meanwhile chat, likes, page events, orders
            await leave(ra, ta)
            await _wait_count(rb, 2)
            segment(3)
            await rb.chat("love the hoodie")
            await rb.chat("what sizes?")
            await rc.chat("ordering now")
            await rb.send({"type": "like", "count": 5})
            await rc.send({"type": "like", "count": 3})
            r = await client.post(
                f"/api/v1/shows/{sid}/pins",
                headers=seller.headers,
                json={"product_id": items[0]["id"]},
            )
            assert r.status_code in (200, 201), r.text
            for kind, n in (
                ("impression", 10),
                ("click", 4),
                ("add_to_cart", 3),
                ("checkout_start", 2),
                ("follow", 1),
                ("share", 1),
            ):
                r = await client.post(
                    "/api/v1/analytics/events", json=_beacon(kind, n, sid, items[0]["id"])
                )
                assert r.status_code == 202 and r.json()["accepted"] == n, r.text
            v0, v1 = items[0]["variants"][0]["id"], items[1]["variants"][0]["id"]
            orders = []
            for buyer, variant, qty in ((b, v0, 2), (c, v1, 1)):
                r = await client.post(
                    "/api/v1/orders/buy-now",
                    headers=buyer.headers,
                    json={
                        "market": "UK",
                        "variant_id": variant,
                        "quantity": qty,
                        "address": address("UK"),
                        "show_id": sid,
                    },
                )
                assert r.status_code == 201, r.text
                order = r.json()[0]
                assert (await api.pay(buyer, order["id"])).status_code == 201
                orders.append(order)
            r = await client.post(
                f"/api/v1/orders/{orders[0]['id']}/refunds",
                headers={**seller.headers, "Idempotency-Key": uuid.uuid4().hex},
                json={"amount": 500, "reason": "one arrived damaged"},
            )
            assert r.status_code == 201, r.text
            await asyncio.sleep(HOLD)
            # A comes back and an anonymous viewer joins: 4 viewers
            ra2, ta2 = await join(a)
            rd, td = await join(None)
            await _wait_count(rb, 4)
            segment(2)
            await asyncio.sleep(HOLD)
            segment(4)
            for room, since in ((ra2, ta2), (rb, tb), (rc, tc), (rd, td)):
                await leave(room, since)
            await asyncio.sleep(0.3)  # the server sees the sockets close

        # Everything buffered is written, then folded into the rollups.
        deadline = time.monotonic() + 10
        while True:
            await recorder.flush()
            await rollup.catch_up(app.state.db, SqlEventStore(app.state.db))
            r = await client.get(f"/api/v1/analytics/shows/{sid}", headers=seller.headers)
            assert r.status_code == 200, r.text
            report = r.json()
            if report["views"] == 5 and report["watch_seconds"] >= sum(watched) - 6:
                break
            assert time.monotonic() < deadline, report
            await asyncio.sleep(0.2)

        gmv = sum(o["total"]["amount"] for o in orders)
        total_time = sum(d for _, d in segments)
        avg = sum(n * d for n, d in segments) / total_time
        assert report["market"] == "UK" and report["currency"] == "GBP"
        assert report["peak_viewers"] == 4
        assert report["avg_viewers"] == pytest.approx(avg, abs=0.4)
        assert report["views"] == 5  # A watched twice
        assert report["unique_viewers"] == 4
        assert report["watch_seconds"] == pytest.approx(sum(watched), abs=5)
        assert report["avg_watch_seconds"] == pytest.approx(sum(watched) / 4, abs=1.5)
        assert report["likes"] == 8
        assert report["chats"] == 3
        assert report["impressions"] == 10
        assert report["clicks"] == 4
        assert report["ctr"] == 0.4
        assert report["orders"] == 2
        assert report["click_to_order"] == 0.5
        assert report["units"] == 3
        assert report["gmv"]["amount"] == gmv
        assert report["gmv"]["currency"] == "GBP"
        assert report["gmv_per_1000_views"]["amount"] == gmv * 1000 // 5
        assert report["refunds"] == 1
        assert report["refunded"]["amount"] == 500
        assert report["new_followers"] == 1
        assert report["shares"] == 1
        assert [(s["step"], s["count"]) for s in report["funnel"]] == [
            ("views", 5),
            ("product_clicks", 4),
            ("carts", 3),
            ("checkouts", 2),
            ("orders", 2),
        ]
        assert sum(p["gmv"] for p in report["timeline"]) == gmv
        assert max(p["viewers"] for p in report["timeline"]) == 4
        assert [(m["kind"], m["product_id"]) for m in report["marks"]] == [("pin", items[0]["id"])]
        # The CSV carries the same figures.
        r = await client.get(f"/api/v1/analytics/shows/{sid}?format=csv", headers=seller.headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        assert "peak_viewers,4" in r.text and "unique_viewers,4" in r.text
        # A buyer may not read it; an admin may.
        r = await client.get(f"/api/v1/analytics/shows/{sid}", headers=b.headers)
        assert r.status_code == 403
        assert r.json()["code"] == "not_your_show"
        await client.aclose()
