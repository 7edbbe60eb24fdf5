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
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.db import create_oneoff_engine, utcnow
from liveshop.selling.models import FlashDeal
from liveshop.settings import Settings
from tests.system import require

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
PASSWORD = "correct horse battery"
ADDRESS = {"name": "Amy Buyer", "line1": "1 Briggate", "city": "Leeds", "postcode": "LS1 6HD"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    log: Path
    rtmp: str | None = None


@contextlib.asynccontextmanager
async def serve(settings: Settings, tmp_path: Path, *, media: bool) -> AsyncIterator[Server]:
    """`liveshop serve` as a child process (with its managed nginx when `media`)."""
    port = free_port()
    env = {
        **os.environ,
        "LIVESHOP_ENV": "development" if media else "test",
        "LIVESHOP_LOG_JSON": "false",
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_DATABASE_URL": settings.database_url,
        "LIVESHOP_SECRET_KEY": settings.secret_key,
        "LIVESHOP_BASE_URL": f"http://127.0.0.1:{port}",
        "LIVESHOP_SWEEP_INTERVAL_SECONDS": "0.2",
    }
    env.pop("LIVESHOP_REDIS_URL", None)
    if settings.redis_url:
        env["LIVESHOP_REDIS_URL"] = settings.redis_url
    if media:
        env |= {
            "LIVESHOP_RTMP_PORT": str(free_port()),
            "LIVESHOP_MEDIA_HTTP_PORT": str(free_port()),
            "LIVESHOP_MEDIA_DIR": str(tmp_path / "media"),
            "LIVESHOP_MEDIA_RECONNECT_GRACE_SECONDS": "1",
            "LIVESHOP_MEDIA_POLL_SECONDS": "0.5",
        }
    else:
        env["LIVESHOP_MEDIA_ENABLED"] = "false"
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "liveshop.cli", "serve", "--host", "127.0.0.1", "--port", str(port)),
            "--no-migrate",
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                assert proc.returncode is None, "server exited\n" + log.read_text()
                assert time.monotonic() < deadline, "server never came up\n" + log.read_text()
                with contextlib.suppress(httpx.TransportError):
                    status = (await client.get("/api/v1/media/status")).json()
                    if status["available"] or not media:
                        break
                await asyncio.sleep(0.1)
        yield Server(url, log, status["rtmp_url"] if media else None)
    finally:
        for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
            if proc.returncode is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, sig)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), wait)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Any]:
    require(CHROMIUM, "the web tests drive Debian's chromium with Playwright")
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        b = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            await b.close()


async def db_exec(database_url: str, stmt: Any) -> None:
    engine = create_oneoff_engine(database_url)
    try:
        async with engine.begin() as conn:
            await conn.execute(stmt)
    finally:
        await engine.dispose()


@dataclass
class Seller:
    token: str
    email: str
    shop: dict[str, Any]
    products: list[dict[str, Any]]
    show: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def seller_with_show(url: str, n_products: int = 1, pin: int = 0) -> Seller:
    """A seller-creator with a UK shop, products and a scheduled show selling them."""
    email = f"seller-{uuid.uuid4().hex[:6]}@example.com"
    async with httpx.AsyncClient(base_url=url, timeout=10) as api:
        r = await api.post(
            "/api/v1/auth/signup",
            json={
                "email": email,
                "password": PASSWORD,
                "display_name": "Leeds Loungewear",
                "market": "UK",
                "roles": ["seller", "creator"],
            },
        )
        assert r.status_code == 201, r.text
        token = r.json()["token"]
        api.cookies.clear()
        auth = {"Authorization": f"Bearer {token}"}
        shop = (
            await api.post(
                "/api/v1/shops", headers=auth, json={"name": "Leeds Loungewear", "market": "UK"}
            )
        ).json()
        products = []
        names = ["Cloud hoodie", "Lounge joggers", "Fleece socks", "Knit beanie", "Robe"]
        for i in range(n_products):
            title = names[i % len(names)] + ("" if i < len(names) else f" {i}")
            r = await api.post(
                f"/api/v1/shops/{shop['id']}/products",
                headers=auth,
                json={
                    "title": title,
                    "status": "active",
                    "images": [f"/img/placeholder.svg?t={title.replace(' ', '+')}&c=%23335577"],
                    "variants": [
                        {
                            "sku": f"SKU-{uuid.uuid4().hex[:10]}",
                            "stock": 10,
                            "prices": [{"market": "UK", "currency": "GBP", "amount": 1999 + i}],
                        }
                    ],
                },
            )
            assert r.status_code == 201, r.text
            products.append(r.json())
        r = await api.post(
            "/api/v1/shows",
            headers=auth,
            json={
                "title": "Cosy night in",
                "starts_at": "2030-01-01T18:00:00Z",
                "markets": ["UK"],
                "shop_id": shop["id"],
                "product_ids": [p["id"] for p in products],
            },
        )
        assert r.status_code == 201, r.text
        show = r.json()
        for p in products[:pin]:
            r = await api.post(
                f"/api/v1/shows/{show['id']}/pins", headers=auth, json={"product_id": p["id"]}
            )
            assert r.status_code == 201, r.text
    return Seller(token, email, shop, products, show)


async def logged_in(b: Any, url: str, email: str, viewport: dict[str, int] = DESKTOP) -> Any:
    """A browser context holding a session cookie for `email`."""
    ctx = await b.new_context(base_url=url, viewport=viewport)
    r = await ctx.request.post(
        f"{url}/api/v1/auth/login", data={"email": email, "password": PASSWORD}
    )
    assert r.ok, await r.text()
    return ctx


async def new_buyer(b: Any, url: str, market: str = "UK", **kw: Any) -> tuple[Any, str]:
    email = f"buyer-{uuid.uuid4().hex[:6]}@example.com"
    ctx = await b.new_context(base_url=url, viewport=kw.get("viewport", DESKTOP))
    r = await ctx.request.post(
        f"{url}/api/v1/auth/signup",
        data={
            "email": email,
            "password": PASSWORD,
            "display_name": email.split("@")[0],
            "market": market,
            "roles": ["buyer"],
        },
    )
    assert r.status == 201, await r.text()
    return ctx, email


async def pay_in_dialog(page: Any) -> None:
    dialog = page.locator("#buy-dialog")
    await dialog.wait_for(state="visible")
    for name, value in ADDRESS.items():
        await dialog.get_by_label(
            {"name": "Full name", "line1": "Address"}.get(name, name.title()), exact=True
        ).fill(value)
    await dialog.get_by_label("Card number").fill("4242 4242 4242 4242")
    await dialog.get_by_role("button", name="Pay").click()


def ffmpeg_push(ffmpeg: str, url: str, seconds: int) -> list[str]:
    return [
        ffmpeg,
        *("-hide_banner", "-loglevel", "error", "-re"),
        *("-f", "lavfi", "-i", "testsrc=size=640x360:rate=25"),
        *("-f", "lavfi", "-i", "sine=frequency=440", "-t", str(seconds)),
        *("-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "25"),
        *("-c:a", "aac", "-f", "flv", url),
    ]


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
        await page.locator("#novideo").wait_for(state="visible")
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
            await page.wait_for_function(
                "document.querySelector('#video').currentTime > 0.5", timeout=30_000
            )
            first = await page.eval_on_selector("#video", "v => v.currentTime")
            await page.wait_for_timeout(1500)
            later = await page.eval_on_selector("#video", "v => v.currentTime")
            assert later > first, (first, later)
            assert await page.locator("#novideo").is_hidden()

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
            await page.wait_for_function(
                "Number(document.querySelector('#viewers').textContent) >= 2", timeout=10_000
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
        await viewer.locator("#novideo").wait_for(state="visible")  # media is off here
        await viewer.locator("#pins", has_text="Nothing pinned yet").wait_for()

        # B: the creator pins a product and launches a deal from the studio.
        creator_ctx = await logged_in(b, server.url, seller.email)
        studio = await creator_ctx.new_page()
        await studio.goto(f"/studio/shows/{show_id}")
        await studio.wait_for_function("document.querySelector('#key').value.startsWith('sk_')")
        assert (await studio.locator("#rtmp").input_value()).startswith("rtmp://")
        await studio.get_by_role("button", name="Pin Cloud hoodie").click()
        card = viewer.locator(".pin", has_text="Cloud hoodie")
        await card.wait_for(timeout=5_000)
        assert "£19.99" in await card.inner_text()
        assert "10 left" in await card.inner_text()

        await studio.locator("#deal-variant").select_option(label="Cloud hoodie")
        await studio.get_by_label("Deal price").fill("999")
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
        await page.wait_for_function("document.querySelector('#buy-error').textContent.length > 0")
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
                own[response.url] = len(await response.body())

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
            ("admin", admin_ctx, "/admin", "#markets li"),
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
