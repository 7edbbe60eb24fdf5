"""A viewer who opens the room after the show went live sees the video (issue: late viewers).

The encoder starts first and no page is open anywhere; only then does a buyer open the room.
In distributed mode the room is opened on a second server (same PostgreSQL and Redis, no
media of its own) that never saw the show go live. When the encoder stops, the show ends and
its flash deal with it: the room says so and a buy is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from liveshop.db import utcnow
from liveshop.selling.deals.models import FlashDeal
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.factories import db_exec
from tests.kits.media import ffmpeg_push
from tests.kits.system import require
from tests.kits.web import PHONE, SHOTS, browser, new_buyer, seller_with_show, serve, wait_js

pytestmark = pytest.mark.slow


async def _wait(what: str, check: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not await check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.2)


async def test_a_late_viewer_sees_the_video_and_selling_stops_when_the_show_ends(
    settings: Settings, tmp_path: Path
) -> None:
    require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    ffmpeg = require("ffmpeg", "ffmpeg's test sources are the RTMP publisher")
    async with contextlib.AsyncExitStack() as stack:
        origin = await stack.enter_async_context(serve(settings, tmp_path, media=True))
        viewer_side = origin
        async with httpx.AsyncClient(base_url=origin.url, timeout=10) as api:
            hls_base = (await api.get("/api/v1/media/status")).json()["hls_base_url"]
        if MODE == "distributed":
            # Another web server: it shares the database and Redis, not the encoder's process.
            public = hls_base.removesuffix("/hls")
            viewer_side = await stack.enter_async_context(
                serve(settings, tmp_path, media=False, env={"LIVESHOP_MEDIA_PUBLIC_URL": public})
            )
        b = await stack.enter_async_context(browser())

        seller = await seller_with_show(origin.url, pin=1)
        show_id = seller.show["id"]
        async with httpx.AsyncClient(base_url=origin.url, timeout=10) as api:
            ingest = (
                await api.get(f"/api/v1/shows/{show_id}/ingest", headers=seller.headers)
            ).json()
            push = await asyncio.create_subprocess_exec(
                *ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/{ingest['stream_key']}", 60),
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            stack.push_async_callback(push.wait)
            stack.callback(lambda: push.returncode is None and push.kill())

            async def is_live() -> bool:
                r = await api.get(f"/api/v1/shows/{show_id}")
                return bool(r.json()["status"] == "live")

            await _wait("the show to go live", is_live, 20)
            r = await api.post(
                f"/api/v1/shows/{show_id}/deals",
                headers=seller.headers,
                json={
                    "variant_id": seller.products[0]["variants"][0]["id"],
                    "prices": {"UK": 999},
                    "stock": 3,
                    "per_buyer_limit": 1,
                    "countdown_seconds": 10,
                    "duration_seconds": 600,
                },
            )
            assert r.status_code == 201, r.text
            deal = r.json()
            await db_exec(
                settings.database_url,
                update(FlashDeal)
                .where(FlashDeal.id == deal["id"])
                .values(opens_at=utcnow() - timedelta(seconds=1), status="open"),
            )

        ctx, _ = await new_buyer(b, viewer_side.url, viewport=PHONE)
        page = await ctx.new_page()
        await page.goto(f"/shows/{show_id}")
        await page.locator("#status", has_text="live").wait_for(timeout=10_000)
        await wait_js(page, "document.querySelector('#video').currentTime > 0.5", 30_000)
        first = await page.eval_on_selector("#video", "v => v.currentTime")
        await page.wait_for_timeout(1500)
        later = await page.eval_on_selector("#video", "v => v.currentTime")
        assert later > first, (first, later)
        assert await page.locator("#novideo").is_hidden()
        await page.locator("#deal").wait_for(state="visible")
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / f"room-late-viewer-{MODE}-phone.png"))

        # The encoder stops: after the reconnect grace the show ends, and its deal with it.
        push.kill()
        await page.locator("#status", has_text="ended").wait_for(timeout=20_000)
        await page.locator("#deal").wait_for(state="hidden", timeout=10_000)
        r = await ctx.request.post(
            f"{viewer_side.url}/api/v1/deals/{deal['id']}/buy",
            headers={
                "Idempotency-Key": uuid.uuid4().hex,
                "X-CSRF-Token": await page.get_attribute('meta[name="csrf-token"]', "content")
                or "",
            },
            data={
                "market": "UK",
                "quantity": 1,
                "address": {
                    "name": "Amy",
                    "line1": "1 Briggate",
                    "city": "Leeds",
                    "postcode": "LS1 6HD",
                    "country": "UK",
                },
            },
        )
        assert r.status == 409, await r.text()
        assert (await r.json())["code"] == "deal_ended"
        await ctx.close()
