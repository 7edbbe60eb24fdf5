"""The buyer pages in a real browser against a real `liveshop serve`.

One walk through: follow a shop and a creator (the state survives a reload), a multi-brand
event grouped by day in the viewer's time zone, a show that goes live through the media hooks
(its followers are notified) and ends with a real HLS replay whose product timestamps seek the
video, a purchase from the replay attributed to it, and a return asked for on the orders page.
Plus phone and desktop screenshots of each page.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.live.media import nginx as media
from liveshop.live.room.models import ShowPin
from liveshop.orders.models import Order
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.system import free_port, require
from tests.kits.web import (
    DESKTOP,
    PHONE,
    SHOTS,
    api_signup,
    browser,
    new_buyer,
    pay_in_dialog,
    seller_with_show,
    serve,
    wait_js,
)

pytestmark = pytest.mark.slow

REPLAY_SECONDS = 14


class _CorsFiles(SimpleHTTPRequestHandler):
    """Stands in for the CDN in front of the HLS directory (hls.js fetches cross-origin)."""

    def end_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def cdn(root: Path, port: int) -> Iterator[None]:
    httpd = ThreadingHTTPServer(("127.0.0.1", port), functools.partial(_CorsFiles, directory=root))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()


async def record_hls(ffmpeg: str, folder: Path) -> None:
    """A real short HLS recording, laid out the way nginx-rtmp writes a live stream."""
    await asyncio.to_thread(folder.mkdir, parents=True, exist_ok=True)
    proc = await asyncio.create_subprocess_exec(
        ffmpeg,
        *("-hide_banner", "-loglevel", "error", "-y"),
        *("-f", "lavfi", "-i", f"testsrc=size=320x180:rate=25:duration={REPLAY_SECONDS}"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-g", "25", "-pix_fmt", "yuv420p"),
        *("-f", "hls", "-hls_time", "1", "-hls_list_size", "0"),
        *("-hls_segment_filename", str(folder / "%d.ts"), str(folder / "index.m3u8")),
    )
    assert await proc.wait() == 0


async def signup(
    api: httpx.AsyncClient, name: str, roles: list[str], email: str | None = None
) -> str:
    return str((await api_signup(api, name, roles, email))[1]["token"])


async def second_shop_show(api: httpx.AsyncClient) -> dict[str, Any]:
    """Another brand's show, at 03:00 UTC on 2 January: still 1 January in New York."""
    auth = {"Authorization": f"Bearer {await signup(api, 'Bristol Bakes', ['seller', 'creator'])}"}
    shop = (
        await api.post(
            "/api/v1/shops", headers=auth, json={"name": "Bristol Bakes", "market": "UK"}
        )
    ).json()
    r = await api.post(
        f"/api/v1/shops/{shop['id']}/products",
        headers=auth,
        json={
            "title": "Sourdough kit",
            "status": "active",
            "variants": [
                {
                    "sku": "SD-1",
                    "stock": 5,
                    "prices": [{"market": "UK", "currency": "GBP", "amount": 1500}],
                }
            ],
        },
    )
    assert r.status_code == 201, r.text
    r = await api.post(
        "/api/v1/shows",
        headers=auth,
        json={
            "title": "Winter warmers",
            "starts_at": "2030-01-02T03:00:00Z",
            "markets": ["UK"],
            "shop_id": shop["id"],
            "product_ids": [r.json()["id"]],
        },
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def follows_of(ctx: Any) -> set[tuple[str, int]]:
    r = await ctx.request.get("/api/v1/me/follows")
    assert r.ok, await r.text()
    return {(f["target_kind"], f["target_id"]) for f in await r.json()}


async def test_buyer_follows_watches_a_replay_buys_and_returns(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ffmpeg = require("ffmpeg", "the replay is a real HLS recording made by ffmpeg")
    media_dir = tmp_path / "media"
    cdn_port = free_port()
    # No nginx here: the test plays nginx's part (HLS files + the publish hooks) and a tiny
    # file server plays the CDN the replay URL points at.
    monkeypatch.setenv("LIVESHOP_MEDIA_DIR", str(media_dir))
    monkeypatch.setenv("LIVESHOP_MEDIA_PUBLIC_URL", f"http://127.0.0.1:{cdn_port}")
    monkeypatch.setenv("LIVESHOP_MEDIA_HTTP_PORT", str(free_port()))
    monkeypatch.setenv("LIVESHOP_MEDIA_RECONNECT_GRACE_SECONDS", "0")
    media_dir.mkdir()
    with cdn(media_dir, cdn_port):
        async with serve(settings, tmp_path, media=False) as server, browser() as b:
            await walk(settings, server.url, b, ffmpeg, media_dir)


async def walk(settings: Settings, url: str, b: Any, ffmpeg: str, media_dir: Path) -> None:
    seller = await seller_with_show(url, n_products=2)
    shop_id, creator_id = seller.shop["id"], seller.show["host_id"]
    admin_email = f"ops-{uuid.uuid4().hex[:6]}@example.com"
    async with httpx.AsyncClient(base_url=url, timeout=10) as api:
        other_show = await second_shop_show(api)
        admin = {"Authorization": f"Bearer {await signup(api, 'Ops', ['buyer'], admin_email)}"}
        await db_exec(
            settings.database_url,
            update(User).where(User.email == admin_email).values(roles=["admin", "buyer"]),
        )
        r = await api.patch(
            f"/api/v1/admin/shops/{shop_id}", headers=admin, json={"verification": "verified"}
        )
        assert r.status_code == 200, r.text
        r = await api.patch(
            f"/api/v1/shops/{shop_id}",
            headers=seller.headers,
            json={"description": "Soft things for slow evenings, made in Leeds."},
        )
        assert r.status_code == 200, r.text

    # 1. Follow the shop from its page; the state survives a reload and the API has it.
    ctx, _ = await new_buyer(b, url)
    page = await ctx.new_page()
    await page.goto(f"/shops/{shop_id}")
    await page.locator("#s-name", has_text="Leeds Loungewear").wait_for()
    await page.locator("#s-verified", has_text="Verified").wait_for()
    assert "made in Leeds" in await page.locator("#s-desc").inner_text()
    card = page.locator("#s-products .card", has_text="Cloud hoodie")
    await card.wait_for()
    assert "£19.99" in await card.inner_text()
    await page.locator("#s-shows li", has_text="Cosy night in").wait_for()
    assert await page.locator("#s-shows li").count() == 1  # not the other shop's show
    follow = page.locator("#follow")
    await follow.wait_for()
    assert await follow.inner_text() == "Follow"
    await follow.click()
    await page.locator("#follow[aria-pressed=true]", has_text="Following").wait_for()
    await page.reload()
    await page.locator("#follow[aria-pressed=true]", has_text="Following").wait_for()
    assert ("shop", shop_id) in await follows_of(ctx)

    # Logged out, Follow leads to the login page and back.
    anon = await b.new_context(base_url=url, viewport=PHONE)
    anon_page = await anon.new_page()
    await anon_page.goto(f"/shops/{shop_id}")
    await anon_page.get_by_role("button", name="Follow").click()
    await anon_page.wait_for_url(f"**/login?next=%2Fshops%2F{shop_id}")

    # 2. Follow the creator from their page.
    await page.goto(f"/creators/{creator_id}")
    await page.locator("#c-upcoming li", has_text="Cosy night in").wait_for()
    await page.get_by_role("button", name="Follow").click()
    await page.locator("#follow[aria-pressed=true]").wait_for()
    assert ("creator", creator_id) in await follows_of(ctx)

    # 3. The product page links to its shop, already followed.
    await page.goto(f"/products/{seller.products[0]['id']}")
    shop_link = page.get_by_role("link", name="Leeds Loungewear")
    await shop_link.wait_for()
    assert await shop_link.get_attribute("href") == f"/shops/{shop_id}"
    await page.locator("#follow[aria-pressed=true]", has_text="Following").wait_for()

    # 4. A multi-brand event: one day in New York, two in London; the home page lists it.
    async with httpx.AsyncClient(base_url=url, timeout=10) as api:
        r = await api.post(
            "/api/v1/events",
            headers=admin,
            json={
                "title": "Winter Makers Market",
                "slug": "winter-makers",
                "description": "Two brands, one weekend.",
                "starts_at": "2030-01-01T00:00:00Z",
                "ends_at": "2030-01-03T00:00:00Z",
                "show_ids": [seller.show["id"], other_show["id"]],
            },
        )
        assert r.status_code == 201, r.text
    ny = await b.new_context(base_url=url, viewport=PHONE, timezone_id="America/New_York")
    ny_page = await ny.new_page()
    await ny_page.goto("/events/winter-makers")
    await ny_page.locator("#e-title", has_text="Winter Makers Market").wait_for()
    await ny_page.locator(".day").first.wait_for()
    days = ny_page.locator(".day")
    assert await days.count() == 1
    day = await days.first.inner_text()
    for text in ("Cosy night in", "Leeds Loungewear", "Winter warmers", "Bristol Bakes"):
        assert text in day, day
    assert "January 1" in day
    london = await b.new_context(base_url=url, timezone_id="Europe/London")
    london_page = await london.new_page()
    await london_page.goto("/events/winter-makers")
    await london_page.locator(".day").nth(1).wait_for()
    assert await london_page.locator(".day").count() == 2
    assert "Bristol Bakes" in await london_page.locator(".day").nth(1).inner_text()
    await page.goto("/")
    event_link = page.locator("#events").get_by_role("link", name="Winter Makers Market")
    await event_link.wait_for()
    assert await event_link.get_attribute("href") == "/events/winter-makers"

    # 5. The shop goes live through the media hooks, pins products, and ends with a replay.
    show_id = await live_and_replay(settings, url, seller, ffmpeg, media_dir)

    # 6. The follower was told; they read it and mark everything read.
    await page.goto("/notifications")
    note = page.locator(".notification.unread", has_text="is live: Replay party")
    await note.wait_for()
    assert await note.get_by_role("link").get_attribute("href") == f"/shows/{show_id}"
    await page.locator("#n-unread", has_text="1 unread").wait_for()
    await shots(ctx, "notifications", "/notifications", ".notification.unread")
    await page.get_by_role("button", name="Mark all read").click()
    await page.locator("#n-unread").wait_for(state="hidden")
    assert await page.locator(".notification.unread").count() == 0
    r = await ctx.request.get("/api/v1/me/notifications?unread=true")
    assert (await r.json())["total"] == 0
    await page.reload()
    await page.locator(".notification", has_text="Replay party").wait_for()
    assert await page.locator(".notification.unread").count() == 0

    # 7. The replay: choosing a timestamp seeks the video there and shows that product.
    await page.goto(f"/shows/{show_id}/replay")
    stamp = page.get_by_role("button", name="0:08 Lounge joggers")
    await stamp.wait_for()
    await page.get_by_role("button", name="0:02 Cloud hoodie").wait_for()
    await wait_js(page, "document.querySelector('#video').readyState >= 1", within_ms=10_000)
    await stamp.click()
    await wait_js(
        page,
        "(t => t >= 7.5 && t < 11)(document.querySelector('#video').currentTime)",
        within_ms=3_000,
    )
    featured = page.locator("#product-card")
    await featured.locator(".title", has_text="Lounge joggers").wait_for()
    assert "£20.00" in await featured.inner_text()
    await featured.get_by_role("button", name="Buy").click()
    await pay_in_dialog(page)
    await page.locator("#bought", has_text="paid").wait_for(timeout=10_000)
    r = await ctx.request.get("/api/v1/me/orders")
    bought = (await r.json())["items"][0]
    assert bought["status"] == "paid"
    assert bought["source"]["channel"] == "replay"
    assert bought["source"]["show_id"] == show_id
    assert bought["lines"][0]["title"] == "Lounge joggers"
    order_id = bought["id"]

    # A show with no recording says so.
    await page.goto(f"/shows/{seller.show['id']}/replay")
    await page.locator("#noreplay", has_text="No replay for this show yet").wait_for()
    assert await page.locator("#video").is_hidden()

    # 8. Delivered: the buyer asks for a return; an API refusal shows inline, then it works.
    async with httpx.AsyncClient(base_url=url, timeout=10) as api:
        r = await api.post(
            f"/api/v1/orders/{order_id}/ship",
            headers=seller.headers,
            json={"carrier": "Royal Mail", "tracking_number": "RM1"},
        )
        assert r.status_code == 200, r.text
        r = await api.post(f"/api/v1/orders/{order_id}/deliver", headers=seller.headers)
        assert r.status_code == 200, r.text
    await page.goto("/orders")
    order = page.locator(f'.order[data-order="{order_id}"]')
    await order.get_by_text("Request a return").click()
    await order.get_by_label("Reason").select_option("Doesn't fit")
    await order.get_by_label("Lounge joggers (of 1)").fill("1")
    # The window closes while the form is open (delivered 60 days ago, UK allows 14).
    await set_delivered(settings, order_id, utcnow() - timedelta(days=60))
    await order.get_by_role("button", name="Send return request").click()
    error = order.locator(".return-form .error")
    await error.filter(has_text="14 days after delivery").wait_for()
    SHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SHOTS / "orders-return-error-desktop.png"), full_page=True)
    r = await ctx.request.get(f"/api/v1/orders/{order_id}/returns")
    assert await r.json() == []

    await set_delivered(settings, order_id, utcnow())
    await page.reload()
    await order.get_by_text("Request a return").click()
    await order.get_by_label("Reason").select_option("Doesn't fit")
    await order.get_by_label("Details (optional)").fill("Too long in the leg")
    await order.get_by_role("button", name="Send return request").click()
    await order.locator(".return-status", has_text="Return requested").wait_for()
    assert await order.get_by_text("Request a return").count() == 0
    r = await ctx.request.get(f"/api/v1/orders/{order_id}/returns")
    returns = await r.json()
    assert [(x["status"], x["reason"]) for x in returns] == [
        ("requested", "Doesn't fit: Too long in the leg")
    ]
    assert returns[0]["lines"] == [{"line_id": bought["lines"][0]["id"], "quantity": 1}]
    await page.reload()
    await order.locator(".return-status", has_text="£20.00").wait_for()

    # The creator's past shows link to the replay.
    await page.goto(f"/creators/{creator_id}")
    replay_link = page.get_by_role("link", name="Watch replay: Replay party")
    await replay_link.wait_for()
    assert await replay_link.get_attribute("href") == f"/shows/{show_id}/replay"

    await shots(ctx, "shop", f"/shops/{shop_id}", "#s-products .card")
    await shots(ctx, "creator", f"/creators/{creator_id}", "#c-past li a")
    await shots(ctx, "event", "/events/winter-makers", ".day")
    await shots(ctx, "replay", f"/shows/{show_id}/replay", "#product-card .title", seek="0:08")
    await shots(ctx, "orders-returns", "/orders", ".return-status")


async def shots(ctx: Any, name: str, path: str, ready: str, seek: str | None = None) -> None:
    """Phone and desktop screenshots of a page once `ready` shows (after seeking a replay)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = await ctx.new_page()
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)
        await page.goto(path)
        if seek:
            await wait_js(page, "document.querySelector('#video').readyState >= 1")
            await page.get_by_role("button", name=seek).click()
            await wait_js(page, "document.querySelector('#video').readyState >= 2")
            await page.evaluate("document.querySelector('#video').pause()")
        await page.locator(ready).first.wait_for(timeout=5_000)
        await page.screenshot(path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True)
    await page.close()
    assert (SHOTS / f"{name}-phone.png").stat().st_size > 0


async def set_delivered(settings: Settings, order_id: int, at: datetime) -> None:
    await db_exec(
        settings.database_url, update(Order).where(Order.id == order_id).values(delivered_at=at)
    )


async def live_and_replay(
    settings: Settings, url: str, seller: Any, ffmpeg: str, media_dir: Path
) -> int:
    """A show goes live on the publish hook, pins two products and ends with a replay."""
    hook = "/api/v1/media/hooks/{}"
    hook_headers = {media.HOOK_HEADER: media.hook_secret(settings)}
    async with httpx.AsyncClient(base_url=url, timeout=10, headers=seller.headers) as api:
        r = await api.post(
            "/api/v1/shows",
            json={
                "title": "Replay party",
                "starts_at": (datetime.now(UTC) + timedelta(minutes=5)).isoformat(),
                "markets": ["UK"],
                "shop_id": seller.shop["id"],
                "product_ids": [p["id"] for p in seller.products],
            },
        )
        assert r.status_code == 201, r.text
        show = r.json()
        key = (await api.get(f"/api/v1/shows/{show['id']}/ingest")).json()["stream_key"]
        form = {"name": key, "addr": "127.0.0.1"}
        r = await api.post(hook.format("publish"), data=form, headers=hook_headers)
        assert r.status_code == 302, r.text
        for p in seller.products:
            r = await api.post(f"/api/v1/shows/{show['id']}/pins", json={"product_id": p["id"]})
            assert r.status_code == 201, r.text
        # What nginx would have written while the show streamed.
        await record_hls(ffmpeg, media_dir / "hls" / media.stream_name(show["id"]))
        r = await api.post(hook.format("publish-done"), data=form, headers=hook_headers)
        assert r.status_code == 204, r.text
        show = (await api.get(f"/api/v1/shows/{show['id']}")).json()
        assert show["status"] == "ended", show
        went_live = datetime.fromisoformat(show["went_live_at"])
        # The pins happened 2 s and 8 s into the show.
        for p, seconds in zip(seller.products, (2, 8), strict=True):
            await db_exec(
                settings.database_url,
                update(ShowPin)
                .where(ShowPin.show_id == show["id"], ShowPin.product_id == p["id"])
                .values(pinned_at=went_live + timedelta(seconds=seconds)),
            )
        playback = (await api.get(f"/api/v1/shows/{show['id']}/playback")).json()
        assert playback["replay_url"].endswith(f"/hls/show-{show['id']}/replay.m3u8"), playback
        assert [round(p["offset_seconds"]) for p in playback["pins"]] == [2, 8]
        replay = await api.get(playback["replay_url"])
        assert "#EXT-X-ENDLIST" in replay.text
    return int(show["id"])
