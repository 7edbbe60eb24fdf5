"""The first five minutes: `liveshop demo` opens with three shows live, each with video, a
chatting audience and a flash deal that opens and sells out while nobody touches anything."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from pathlib import Path

import httpx
import pytest

from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.server import LIVESHOP, spawn, stop
from tests.kits.system import free_port, require
from tests.kits.web import PHONE, SHOTS, browser, wait_js

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODE != "embedded", reason="the demo is the embedded mode (SQLite)"),
]


async def test_the_demo_opens_live_with_an_audience_and_a_deal_that_sells_out(
    settings: Settings, tmp_path: Path
) -> None:
    require("nginx", "the demo's video goes through nginx-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    require("ffmpeg", "the demo's encoders are ffmpeg")
    port = free_port()
    env = {
        **os.environ,
        "LIVESHOP_ENV": "development",
        "LIVESHOP_VAR_DIR": str(tmp_path / "var"),
        "LIVESHOP_MEDIA_DIR": str(tmp_path / "var" / "media"),
        "LIVESHOP_RTMP_PORT": str(free_port()),
        "LIVESHOP_MEDIA_HTTP_PORT": str(free_port()),
    }
    for name in ("LIVESHOP_DATABASE_URL", "LIVESHOP_REDIS_URL", "LIVESHOP_BASE_URL"):
        env.pop(name, None)
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = await spawn(
            [*LIVESHOP, "demo", "--port", str(port), "--first-deal", "8"],
            env=env,
            log=out,
            cwd=tmp_path,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as api:
            deadline = time.monotonic() + 90
            while True:
                assert demo.returncode is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                with contextlib.suppress(httpx.TransportError):
                    shows = (await api.get("/api/v1/shows")).json()
                    if sum(s["status"] == "live" for s in shows) == 3:
                        break
                await asyncio.sleep(0.5)
            assert sum(s["status"] == "scheduled" for s in shows) == 3  # OBS still has these

        async with browser() as b:
            ctx = await b.new_context(base_url=url, viewport=PHONE)
            page = await ctx.new_page()
            await page.goto("/")
            live_now = page.locator("#live-now li a")
            await wait_js(
                page, "document.querySelectorAll('#live-now li a[href^=\"/shows/\"]').length === 3"
            )
            await live_now.first.click()
            await page.locator("#status", has_text="live").wait_for()
            await wait_js(page, "document.querySelector('#video').currentTime > 0.5", 30_000)
            first = await page.eval_on_selector("#video", "v => v.currentTime")
            await page.wait_for_timeout(1500)
            assert await page.eval_on_selector("#video", "v => v.currentTime") > first
            before = await page.locator("#chat li").count()
            await wait_js(page, f"document.querySelectorAll('#chat li').length > {before}", 30_000)
            await page.locator("#deal").wait_for(state="visible", timeout=30_000)
            await page.locator("#deal-buy", has_text="Sold out").wait_for(timeout=40_000)
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "demo-live-phone.png"))
            await ctx.close()
    finally:
        await stop(demo, term_wait=20, sweep=False)  # its children must stop on their own
    # The demo's encoders and audience stop with it.
    pgrep = await asyncio.create_subprocess_exec(
        *("pgrep", "-f", f"demo_audience --url {url}"), stdout=asyncio.subprocess.PIPE
    )
    leftovers, _ = await pgrep.communicate()
    assert leftovers.strip() == b""
