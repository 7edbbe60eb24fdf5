"""Issue 13: pages other than the room send beacon events. In Chromium a buyer searches the
Shop tab (card impression, click), opens the product page (impression), adds it to the cart
(click, add to cart) and checks out on the cart page (checkout start); each arrives in the raw
events table with the product, its shop and the market."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from liveshop.analytics.models import AnalyticsEvent
from liveshop.db import create_oneoff_engine
from liveshop.settings import Settings
from tests.kits.web import browser, new_buyer, pay_in_dialog, seller_with_show, serve, wait_js


async def _kinds(url: str, product_id: int) -> dict[tuple[str, int | None, str | None], int]:
    engine = create_oneoff_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                select(
                    AnalyticsEvent.kind,
                    AnalyticsEvent.shop_id,
                    AnalyticsEvent.market,
                    func.count(),
                )
                .where(AnalyticsEvent.product_id == product_id)
                .group_by(AnalyticsEvent.kind, AnalyticsEvent.shop_id, AnalyticsEvent.market)
            )
            return {(k, s, m): int(n) for k, s, m, n in rows.all()}
    finally:
        await engine.dispose()


async def test_shop_tab_product_and_cart_pages_send_beacon_events(
    settings: Settings, tmp_path: Path
) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url, n_products=2)
        hoodie = next(p for p in seller.products if p["title"] == "Cloud hoodie")
        shop = seller.shop["id"]
        ctx, _email = await new_buyer(b, server.url)
        page = await ctx.new_page()
        errors: list[Any] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # The Shop tab: the card is seen, then clicked.
        await page.goto("/for-you?q=hoodie")
        card = page.locator(f'#results li.card[data-product="{hoodie["id"]}"]')
        await card.wait_for()
        await page.wait_for_timeout(300)  # the impression is counted once the card is in view
        await card.locator("a").first.click()

        # The product page: its impression, then the cart button.
        await page.wait_for_url(f"**/products/{hoodie['id']}")
        await wait_js(page, "!document.querySelector('#p-cart').disabled")
        await page.locator("#p-cart").click()
        await page.get_by_text("Added to cart").wait_for()

        # The cart page: checking out starts a checkout.
        await page.goto("/cart")
        await wait_js(page, "!document.querySelector('#checkout').disabled")
        await page.locator("#checkout").click()
        await pay_in_dialog(page)
        await page.wait_for_url("**/orders")

        want = {
            ("impression", shop, "UK"): 2,  # the Shop tab card and the product page
            ("click", shop, "UK"): 2,  # the card's link and the cart button
            ("add_to_cart", shop, "UK"): 1,
            ("checkout_start", None, "UK"): 1,  # the cart knows the product, not its shop
        }
        got: dict[tuple[str, int | None, str | None], int] = {}
        for _ in range(100):
            got = await _kinds(settings.database_url, hoodie["id"])
            if all(got.get(k, 0) >= n for k, n in want.items()):
                break
            await asyncio.sleep(0.1)
        assert {k: got.get(k, 0) for k in want} == want, got
        assert not errors, errors
        await ctx.close()
