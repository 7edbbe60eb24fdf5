"""Redis goes away while a room is open: changes committed meanwhile still reach the viewers.

The host pins a product and sets the pinned message while Redis is down. Both are committed,
but their after-commit events cannot be published. Once Redis is back (empty, as after a
restart without persistence), the connected viewer must converge on the stored state (here
through a fresh snapshot), and the room keeps working.

Runs against a private redis-server that the test may kill, in both modes (SQLite or
PostgreSQL underneath).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from liveshop.settings import Settings
from tests.kits.factories import Api
from tests.kits.room import RoomClient, make_show
from tests.kits.server import PrivateRedis, serve_app
from tests.kits.system import require

pytestmark = pytest.mark.slow


def latest_state(c: RoomClient) -> dict[str, Any] | None:
    snaps = c.of("snapshot")
    return snaps[-1].state.model_dump() if snaps else None


def seen(c: RoomClient) -> tuple[str | None, set[int]]:
    """The pinned message and pinned products as this viewer's frames add up to."""
    message, pins = None, set()
    for e in c.events:
        if e.type == "snapshot":
            message, pins = e.state.pinned_message, {p.product_id for p in e.state.pins}
        elif e.type == "pinned_message":
            message = e.text
        elif e.type == "pin":
            pins.add(e.product.product_id)
        elif e.type == "unpin":
            pins.discard(e.product_id)
    return message, pins


@pytest.mark.parametrize("viewer_on", ["same process", "other process"])
async def test_a_room_resynchronises_after_a_redis_outage(
    settings: Settings, make_app: Any, tmp_path: Path, viewer_on: str
) -> None:
    """The viewer is on the process that made the changes (its publishes failed), or on
    another one (with a broker of its own, which only sees its connection drop)."""
    redis = PrivateRedis(require("redis-server", "the outage test stops a real Redis"), tmp_path)
    await redis.start()
    settings = settings.model_copy(update={"redis_url": redis.url, "room_stats_seconds": 0.3})
    try:
        async with (
            make_app(settings, run_background=False) as app,
            make_app(settings, run_background=False) as other,
        ):
            transport = httpx.ASGITransport(app=app)
            async with (
                httpx.AsyncClient(transport=transport, base_url="http://t", timeout=30) as client,
                serve_app(app if viewer_on == "same process" else other) as base,
            ):
                assert app.state.broker is not other.state.broker
                api = Api(client, app=app)
                host, show, items = await make_show(api, client, products=2)
                sid = show["id"]
                viewer = await RoomClient.connect(base, sid)
                await viewer.wait(lambda c: c.of("snapshot"))
                assert latest_state(viewer)["pinned_message"] is None  # type: ignore[index]

                redis.kill()
                r = await client.put(
                    f"/api/v1/shows/{sid}/pinned-message",
                    headers=host.headers,
                    json={"text": "Free delivery tonight"},
                )
                assert r.status_code == 204, r.text
                r = await client.post(
                    f"/api/v1/shows/{sid}/pins",
                    headers=host.headers,
                    json={"product_id": items[0]["id"]},
                )
                assert r.status_code == 201, r.text
                await asyncio.sleep(1.0)  # the room ticks through the outage
                await redis.start()

                during = ("Free delivery tonight", {items[0]["id"]})
                await viewer.wait(lambda c: seen(c) == during, within=15)

                # The room goes on numbering from the restarted Redis: later events arrive.
                r = await client.post(
                    f"/api/v1/shows/{sid}/pins",
                    headers=host.headers,
                    json={"product_id": items[1]["id"]},
                )
                assert r.status_code == 201, r.text
                after = ("Free delivery tonight", {i["id"] for i in items})
                await viewer.wait(lambda c: seen(c) == after, within=10)
                # A viewer arriving now sees the same room.
                late = await RoomClient.connect(base, sid)
                await late.wait(lambda c: c.of("snapshot"))
                assert seen(late) == after
                for c in (viewer, late):
                    await c.close()
    finally:
        redis.kill()
