"""What a first visitor met: a scheduled show's waiting room, missing pages, the favicon,
products without options, US prices that exclude tax, and a deal outside the buyer's market."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.live.shows.models import Show
from liveshop.selling.deals.models import FlashDeal
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.web import (
    ADDRESS,
    PHONE,
    SHOTS,
    api_signup,
    browser,
    logged_in,
    new_buyer,
    pay_in_dialog,
    seller_with_show,
    serve,
)

pytestmark = pytest.mark.slow


def _errors(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    return seen


async def test_first_visitor_pages(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url)
        show_id = seller.show["id"]
        product = seller.products[0]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            icon = await api.get("/favicon.ico")
            assert icon.status_code == 200 and icon.headers["content-type"].startswith("image/")
            lost = await api.get("/no/such/page", headers={"accept": "text/html"})
            assert lost.status_code == 404 and "Page not found" in lost.text
            machine = await api.get("/api/v1/no-such-thing", headers={"accept": "text/html"})
            assert machine.headers["content-type"] == "application/problem+json"
            for path in ("/shows/999999", "/products/999999", "/shops/999999"):
                r = await api.get(path)
                assert r.status_code == 404, path
                assert "text/html" in r.headers["content-type"]
            # The same product with a US price: US shelf prices exclude sales tax.
            r = await api.patch(
                f"/api/v1/variants/{product['variants'][0]['id']}",
                headers=seller.headers,
                json={
                    "prices": [
                        {"market": "UK", "currency": "GBP", "amount": 1999},
                        {"market": "US", "currency": "USD", "amount": 2499},
                    ]
                },
            )
            assert r.status_code == 200, r.text

        # A scheduled show is a waiting room: countdown, host, RSVP, the products to come.
        ctx, _ = await new_buyer(b, server.url, viewport=PHONE)
        page = await ctx.new_page()
        errors = _errors(page)
        await page.goto(f"/shows/{show_id}")
        waiting = page.locator("#waiting")
        await waiting.wait_for(state="visible")
        await page.locator("#waiting-countdown", has_text="Starts in").wait_for()
        assert await page.locator("#waiting-host").inner_text() == "Leeds Loungewear"
        await page.locator("#lineup-list li", has_text="Cloud hoodie").wait_for()
        assert await page.locator("#novideo").is_hidden()
        notify = page.get_by_role("button", name="Notify me when it starts")
        await notify.click()
        await page.locator("#waiting-rsvp[aria-pressed=true]").wait_for()
        rsvps = await (await ctx.request.get(f"{server.url}/api/v1/me/rsvps")).json()
        assert show_id in rsvps
        await page.locator("#waiting-rsvps", has_text="1 person wants").wait_for()
        # On a phone the room's title gets the row to itself, not a squeezed column.
        box = await page.locator("#title").bounding_box()
        assert box is not None and box["width"] >= 0.6 * PHONE["width"], box
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "room-waiting-phone.png"))

        # Missing things are whole pages, not shells that throw.
        for path, heading in (
            ("/shows/999999", "This show isn't here"),
            ("/products/999999", "This product isn't here"),
        ):
            r = await page.goto(path)
            assert r is not None and r.status == 404
            await page.get_by_role("heading", name=heading).wait_for()

        # A product without options has no "Option" chooser listing its SKU.
        await page.goto(f"/products/{product['id']}")
        await page.locator("#p-title", has_text="Cloud hoodie").wait_for()
        assert await page.locator("#p-variant-row").is_hidden()

        # Checkout shows what it costs before any typing; the address is kept for next time.
        await page.get_by_role("button", name="Buy now").click()
        await page.locator("#buy-total", has_text="Total £19.99").wait_for()
        await pay_in_dialog(page)
        await page.wait_for_url(f"{server.url}/orders")
        await page.goto(f"/products/{product['id']}")
        await page.get_by_role("button", name="Buy now").click()
        dialog = page.locator("#buy-dialog")
        await dialog.get_by_label("Saved address").wait_for()
        assert await dialog.get_by_label("Full name", exact=True).input_value() == ADDRESS["name"]
        assert await dialog.get_by_label("City", exact=True).input_value() == ADDRESS["city"]
        await dialog.get_by_role("button", name="Cancel").click()
        assert errors == []
        await ctx.close()

        us_ctx, _ = await new_buyer(b, server.url, market="US")
        us_page = await us_ctx.new_page()
        await us_page.goto(f"/products/{product['id']}")
        await us_page.locator("#p-price", has_text="+ tax").wait_for()
        assert "$24.99" in await us_page.locator("#p-price").inner_text()
        await us_ctx.close()

        # A deal the buyer's market does not get: Buy says so before any address is typed.
        # Another show, live before anyone opens its room (the first show's room is warm).
        other = await seller_with_show(server.url)
        await db_exec(
            settings.database_url,
            update(Show).where(Show.id == other.show["id"]).values(status="live"),
        )
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            r = await api.post(
                f"/api/v1/shows/{other.show['id']}/deals",
                headers=other.headers,
                json={
                    "variant_id": other.products[0]["variants"][0]["id"],
                    "prices": {"UK": 999},
                    "stock": 3,
                    "per_buyer_limit": 1,
                    "countdown_seconds": 10,
                    "duration_seconds": 600,
                },
            )
            assert r.status_code == 201, r.text
        await db_exec(
            settings.database_url,
            update(FlashDeal).values(opens_at=utcnow() - timedelta(seconds=1), status="open"),
        )
        de_ctx, _ = await new_buyer(b, server.url, market="DE")
        de_page = await de_ctx.new_page()
        await de_page.goto(f"/shows/{other.show['id']}")
        await de_page.locator("#deal").wait_for(state="visible")
        buy = de_page.locator("#deal-buy")
        await de_page.locator("#deal-buy", has_text="Not sold in your market").wait_for()
        assert await buy.is_disabled()
        assert await de_page.locator("#waiting").is_hidden()
        await de_ctx.close()


async def test_first_visitor_studio_seller_and_admin(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url, n_products=2)
        # A buyer who opens /studio is told what it is for, without a form they cannot use.
        ctx, _ = await new_buyer(b, server.url, viewport=PHONE)
        page = await ctx.new_page()
        await page.goto("/studio")
        await page.locator("#not-creator").wait_for()
        assert await page.locator("#schedule-form").count() == 0
        await ctx.close()

        # The studio says the chat is empty rather than showing an empty box.
        studio_ctx = await logged_in(b, server.url, seller.email, viewport=PHONE)
        studio = await studio_ctx.new_page()
        await studio.goto(f"/studio/shows/{seller.show['id']}")
        await studio.locator("#chat-empty", has_text="No messages yet").wait_for()

        # Seller center on a phone: the tabs stay on one line, the price column is whole.
        await studio.goto("/seller/products")
        await studio.locator("#products tr").first.wait_for()
        tabs = await studio.locator(".subnav").bounding_box()
        assert tabs is not None and tabs["height"] < 60, tabs
        price = await studio.locator("#products tr td").last.bounding_box()
        assert price is not None and price["x"] + price["width"] <= PHONE["width"], price
        await studio_ctx.close()

        # The admin markets page is a table with headers and an explanation.
        admin_email, _ = await api_signup_admin(server.url, settings)
        admin_ctx = await logged_in(b, server.url, admin_email, viewport=PHONE)
        admin = await admin_ctx.new_page()
        await admin.goto("/admin")
        await admin.get_by_role("columnheader", name="Market").wait_for()
        await admin.get_by_role("rowheader", name="Deutschland (DE)").wait_for()
        assert await admin.get_by_role("switch", name="Deutschland open").is_checked()
        await admin.goto("/admin/shops")
        await admin.locator("#shops tr").first.wait_for()
        table = await admin.evaluate(
            "(() => { const w = document.querySelector('.table-wrap');"
            " return [w.scrollWidth, w.clientWidth]; })()"
        )
        assert table[0] <= table[1], table  # the shops table fits a phone
        await admin.screenshot(path=str(SHOTS / "admin-markets-phone.png"))
        await admin_ctx.close()


async def api_signup_admin(url: str, settings: Settings) -> tuple[str, dict[str, Any]]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as api:
        email, body = await api_signup(api, "Ada Admin", ["buyer"])
    await db_exec(
        settings.database_url,
        update(User).where(User.email == email).values(roles=["admin", "buyer"]),
    )
    return email, body
