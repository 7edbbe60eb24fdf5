"""The web pages in a real browser against a real `liveshop serve` (and nginx + ffmpeg for video).

A: sign up through the page, watch a live room while ffmpeg publishes, chat between two browsers.
B: the creator pins a product and launches a flash deal in the studio; the viewer buys it.
C: the seller ships the order in the seller center; the buyer sees the tracking number.
D: an admin switches a market off; a buyer in it can no longer buy.
Plus screenshots of every page at phone and desktop sizes, the live room's byte budget and its
time to content.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.selling.deals.models import FlashDeal
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.media import ffmpeg_push
from tests.kits.system import require
from tests.kits.web import (
    DESKTOP,
    PASSWORD,
    PHONE,
    ROOT,
    SHOTS,
    browser,
    logged_in,
    new_buyer,
    pay_in_dialog,
    seller_with_show,
    serve,
    wait_js,
)

pytestmark = pytest.mark.slow


async def test_a_signup_watch_live_video_and_chat(settings: Settings, tmp_path: Path) -> None:
    require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    ffmpeg = require("ffmpeg", "ffmpeg's test sources are the RTMP publisher")
    async with serve(settings, tmp_path, media=True) as server, browser() as b:
        seller = await seller_with_show(server.url, pin=1)
        show_id = seller.show["id"]
        # The buyer signs up through the page.
        ctx = await b.new_context(base_url=server.url, viewport=PHONE)
        page = await ctx.new_page()
        await page.goto("/signup")
        await page.get_by_label("Display name").fill("Amy")
        await page.get_by_label("Email").fill(f"amy-{uuid.uuid4().hex[:6]}@example.com")
        await page.get_by_label("Password").fill(PASSWORD)
        await page.get_by_label("Market").select_option("UK")
        await page.get_by_role("button", name="Sign up").click()
        await page.wait_for_url(f"{server.url}/")
        await page.goto(f"/shows/{show_id}")
        # Before it goes live the room is a waiting room (countdown, host, RSVP).
        await page.locator("#waiting").wait_for(state="visible")
        await page.locator(".pin", has_text="Cloud hoodie").wait_for()

        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            ingest = (
                await api.get(f"/api/v1/shows/{show_id}/ingest", headers=seller.headers)
            ).json()
        push = await asyncio.create_subprocess_exec(
            *ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/{ingest['stream_key']}", 40),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            await page.locator("#status", has_text="live").wait_for(timeout=15_000)
            await wait_js(
                page, "document.querySelector('#video').currentTime > 0.5", within_ms=30_000
            )
            first = await page.eval_on_selector("#video", "v => v.currentTime")
            await page.wait_for_timeout(1500)
            later = await page.eval_on_selector("#video", "v => v.currentTime")
            assert later > first, (first, later)
            assert await page.locator("#novideo").is_hidden()
            assert await page.locator("#waiting").is_hidden()

            # A second viewer chats; the first sees it without a reload.
            ctx2, _ = await new_buyer(b, server.url)
            page2 = await ctx2.new_page()
            await page2.goto(f"/shows/{show_id}")
            await page2.locator("#status", has_text="live").wait_for()
            await page2.get_by_label("Message").fill("Is the hoodie true to size?")
            await page2.get_by_role("button", name="Send").click()
            await page.locator("#chat li", has_text="Is the hoodie true to size?").wait_for(
                timeout=10_000
            )
            await wait_js(
                page,
                "Number(document.querySelector('#viewers').textContent) >= 2",
                within_ms=10_000,
            )
            SHOTS.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(SHOTS / "room-live-phone.png"))
            if os.environ.get("LIVESHOP_WEB_UPDATE_DOCS") == "1":
                (ROOT / "docs").mkdir(exist_ok=True)
                shutil.copyfile(SHOTS / "room-live-phone.png", ROOT / "docs" / "live-room.png")
            print(f"\nvideo currentTime {first:.2f}s -> {later:.2f}s")
        finally:
            with contextlib.suppress(ProcessLookupError):
                push.kill()
            await push.wait()


async def test_b_c_studio_pins_and_deals_buyer_buys_seller_ships(
    settings: Settings, tmp_path: Path
) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url, n_products=2)
        show_id = seller.show["id"]
        viewer_ctx, _ = await new_buyer(b, server.url, viewport=PHONE)
        viewer = await viewer_ctx.new_page()
        await viewer.goto(f"/shows/{show_id}")
        await viewer.locator("#waiting").wait_for(state="visible")  # scheduled: a waiting room
        await viewer.locator("#pins", has_text="Nothing pinned yet").wait_for()

        # B: the creator pins a product and launches a deal from the studio.
        creator_ctx = await logged_in(b, server.url, seller.email)
        studio = await creator_ctx.new_page()
        await studio.goto(f"/studio/shows/{show_id}")
        await wait_js(studio, "document.querySelector('#key').value.startsWith('sk_')")
        assert (await studio.locator("#rtmp").input_value()).startswith("rtmp://")
        await studio.get_by_role("button", name="Pin Cloud hoodie").click()
        card = viewer.locator(".pin", has_text="Cloud hoodie")
        await card.wait_for(timeout=5_000)
        assert "£19.99" in await card.inner_text()
        assert "10 left" in await card.inner_text()

        await studio.locator("#deal-variant").select_option(label="Cloud hoodie")
        await studio.get_by_label("Deal price").fill("9.99")
        await studio.get_by_label("Deal stock").fill("5")
        await studio.get_by_role("button", name="Launch deal").click()
        await studio.locator("#deal-msg", has_text="launched").wait_for()
        await viewer.locator("#deal-countdown", has_text="Starts in").wait_for(timeout=5_000)
        assert "£9.99" in await viewer.locator("#deal").inner_text()
        # Skip the 10 s countdown: the server's clock task opens it and tells the room.
        await db_exec(
            settings.database_url,
            update(FlashDeal)
            .where(FlashDeal.show_id == show_id)
            .values(opens_at=utcnow() - timedelta(seconds=1)),
        )
        await viewer.locator("#deal-countdown", has_text="Ends in").wait_for(timeout=5_000)
        buy = viewer.locator("#deal-buy")
        await buy.click()
        await pay_in_dialog(viewer)
        await viewer.locator("#bought", has_text="paid").wait_for(timeout=10_000)
        await viewer.locator("#deal-left", has_text="4").wait_for(timeout=5_000)
        await viewer.goto("/orders")
        order = viewer.locator(".order").first
        await order.wait_for()
        assert "paid" in await order.inner_text()
        assert "Cloud hoodie" in await order.inner_text()

        # C: the seller ships it; the buyer sees the tracking number.
        seller_page = await creator_ctx.new_page()
        await seller_page.goto("/seller")
        form = seller_page.locator("form.fulfil").first
        await form.get_by_label("Carrier").fill("Royal Mail")
        await form.get_by_label("Tracking number").fill("RM123456789GB")
        await form.get_by_role("button", name="Mark shipped").click()
        await seller_page.locator(".order", has_text="RM123456789GB").wait_for()
        await viewer.reload()
        await viewer.locator(".tracking", has_text="RM123456789GB").wait_for()
        assert "shipped" in await viewer.locator(".order").first.inner_text()


async def test_d_admin_switches_a_market_off_and_its_buyers_cannot_buy(
    settings: Settings, tmp_path: Path
) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url)
        admin_ctx, admin_email = await new_buyer(b, server.url)
        await db_exec(
            settings.database_url,
            update(User).where(User.email == admin_email).values(roles=["admin", "buyer"]),
        )
        admin = await admin_ctx.new_page()
        await admin.goto("/admin")
        switch = admin.get_by_role("switch", name="United Kingdom")
        await switch.wait_for()
        assert await switch.is_checked()
        await switch.uncheck()
        await admin.locator("#admin-msg", has_text="off").wait_for()

        buyer_ctx, _ = await new_buyer(b, server.url, market="UK")
        page = await buyer_ctx.new_page()
        await page.goto(f"/products/{seller.products[0]['id']}")
        await page.get_by_role("button", name="Buy now").click()
        await pay_in_dialog(page)
        error = page.locator("#buy-error")
        await error.wait_for()
        await wait_js(page, "document.querySelector('#buy-error').textContent.length > 0")
        text = await error.inner_text()
        assert "switched off" in text, text
        async with httpx.AsyncClient(base_url=server.url) as api:
            orders = await api.get(
                f"/api/v1/shops/{seller.shop['id']}/orders", headers=seller.headers
            )
        assert orders.json()["total"] == 0


ROOM_BUDGET_BYTES = 100 * 1024


async def test_screenshots_room_budget_and_time_to_content(
    settings: Settings, tmp_path: Path
) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        # Demo-like data: a shop with products, a show with three pins and a flash deal.
        seller = await seller_with_show(server.url, n_products=8, pin=3)
        show_id = seller.show["id"]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            r = await api.post(
                f"/api/v1/shows/{show_id}/deals",
                headers=seller.headers,
                json={
                    "variant_id": seller.products[0]["variants"][0]["id"],
                    "prices": {"UK": 999},
                    "stock": 5,
                    "countdown_seconds": 120,
                    "duration_seconds": 600,
                },
            )
            assert r.status_code == 201, r.text

        # The live room's own bytes and time to content, in a fresh (cold-cache) context.
        buyer_ctx, _ = await new_buyer(b, server.url, viewport=PHONE)
        page = await buyer_ctx.new_page()
        own: dict[str, int] = {}

        async def count(response: Any) -> None:
            if response.request.resource_type in ("script", "stylesheet") and (
                "/vendor/" not in response.url
            ):
                if response.status == 304:  # revalidated: count the file all the same
                    body = await (await page.context.request.get(response.url)).body()
                else:
                    body = await response.body()
                own[response.url.split("?")[0]] = len(body)

        page.on("response", count)
        await page.goto("/")  # warm the connection the way a visitor arrives from the shop
        await page.wait_for_load_state("networkidle")
        own.clear()
        started = time.monotonic()
        await page.goto(f"/shows/{show_id}", wait_until="commit")
        await page.locator(".pin", has_text="Cloud hoodie").wait_for(timeout=5_000)
        await page.locator("#deal-countdown", has_text="Starts in").wait_for(timeout=5_000)
        to_content = time.monotonic() - started
        await page.wait_for_load_state("load")
        room_bytes = sum(own.values())
        assert {u.rsplit("/", 1)[1] for u in own} >= {"room.js", "common.js", "app.css"}, own
        print(
            f"\nlive room own JS+CSS: {room_bytes} bytes ({room_bytes / 1024:.1f} KB, "
            f"{len(own)} files, hls.js excluded); time to content: {to_content * 1000:.0f} ms"
        )
        assert room_bytes < ROOM_BUDGET_BYTES
        assert to_content < 1.0

        # An order with tracking for the orders page, an item in the cart.
        await page.goto(f"/products/{seller.products[1]['id']}")
        await page.get_by_role("button", name="Add to cart").click()
        await page.locator("#toast", has_text="Added").wait_for()
        await page.get_by_role("button", name="Buy now").click()
        await pay_in_dialog(page)
        await page.wait_for_url("**/orders")
        creator_ctx = await logged_in(b, server.url, seller.email)
        admin_ctx, admin_email = await new_buyer(b, server.url)
        await db_exec(
            settings.database_url,
            update(User).where(User.email == admin_email).values(roles=["admin", "buyer"]),
        )
        anon_ctx = await b.new_context(base_url=server.url)

        SHOTS.mkdir(parents=True, exist_ok=True)
        pages = [
            ("home", anon_ctx, "/", "#products .card"),
            ("login", anon_ctx, "/login", "#auth-form"),
            ("signup", anon_ctx, "/signup", "#auth-form"),
            ("room", buyer_ctx, f"/shows/{show_id}", ".pin"),
            ("product", buyer_ctx, f"/products/{seller.products[0]['id']}", "#p-price:not(:empty)"),
            ("cart", buyer_ctx, "/cart", "#cart tbody tr"),
            ("orders", buyer_ctx, "/orders", ".order"),
            ("studio", creator_ctx, f"/studio/shows/{show_id}", "#products li"),
            ("seller", creator_ctx, "/seller", ".order"),
            ("admin", admin_ctx, "/admin", "#markets tr"),
        ]
        for name, ctx, path, ready in pages:
            shot = await ctx.new_page()
            for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
                await shot.set_viewport_size(size)
                await shot.goto(path)
                await shot.locator(ready).first.wait_for(timeout=5_000)
                await shot.screenshot(path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True)
            await shot.close()
        assert len(list(SHOTS.glob("*-phone.png"))) >= len(pages)
        if os.environ.get("LIVESHOP_WEB_UPDATE_DOCS") == "1":
            docs = ROOT / "docs"
            docs.mkdir(exist_ok=True)
            shutil.copyfile(SHOTS / "studio-desktop.png", docs / "studio.png")
