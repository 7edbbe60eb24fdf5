"""A seller imports a Shopify CSV in a real browser against a real `liveshop serve`: the
preview names the format, the import reports its errors, the products are in the catalog."""

from __future__ import annotations

from pathlib import Path

import httpx

from liveshop.settings import Settings
from tests.integrations.shopify.kit import FILES
from tests.kits.web import DESKTOP, PHONE, SHOTS, api_signup, browser, logged_in, serve


async def _shoot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
        await page.set_viewport_size(size)  # type: ignore[attr-defined]
        await page.screenshot(  # type: ignore[attr-defined]
            path=str(SHOTS / f"{name}-{size_name}.png"), full_page=True
        )
    await page.set_viewport_size(DESKTOP)  # type: ignore[attr-defined]


async def test_seller_imports_a_shopify_csv(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
            email, body = await api_signup(c, "Sam Seller", ["seller"])
            headers = {"Authorization": f"Bearer {body['token']}"}
            r = await c.post(
                "/api/v1/shops", headers=headers, json={"name": "Acme Tees", "market": "UK"}
            )
            assert r.status_code == 201, r.text
            shop_id = r.json()["id"]
        ctx = await logged_in(b, server.url, email)
        page = await ctx.new_page()
        await page.goto("/seller/import")
        await page.get_by_text("Shop: Acme Tees").wait_for()
        button = page.get_by_role("button", name="Import products")
        assert await button.is_disabled()

        await page.get_by_label("CSV file").set_input_files(str(FILES / "products_current.csv"))
        await page.locator("#import-dialect", has_text="current export").wait_for()
        preview = page.locator("#csv-preview")
        assert "Organic Tee" in await preview.inner_text()
        assert await preview.locator("tbody tr").count() == 9
        await _shoot(page, "seller-import-preview")

        # Keyboard: the button is reachable and works with Enter.
        await button.focus()
        await page.keyboard.press("Enter")
        summary = page.locator("#report-summary")
        await summary.get_by_text("3 created").wait_for()
        text = await summary.inner_text()
        assert "0 updated" in text and "0 unchanged" in text and "from 9 rows" in text
        # The import ran in the background; the page followed it with a progress bar.
        bar = page.locator("progress#import-progress")
        assert await bar.is_visible()
        size = (FILES / "products_current.csv").stat().st_size
        assert await bar.get_attribute("max") == str(size)
        assert await bar.evaluate("b => b.value") == size
        progress = await page.locator("#import-progress-text").inner_text()
        assert progress.startswith("9 rows read") and "(100%)" in progress
        errors = page.locator("#report-errors tbody tr")
        assert await errors.count() == 5
        first = await errors.nth(0).inner_text()
        assert "4" in first and "Price" in first and "not a price" in first
        assert "Published on online store" in await page.locator("#report-errors").inner_text()
        link = await page.locator("#report-download").get_attribute("href")
        assert link and link.endswith("/errors.csv")
        r = await page.request.get(server.url + link)
        assert r.status == 200
        assert "not a price" in await r.text()
        await _shoot(page, "seller-import-report")

        await page.get_by_role("link", name="See your products").click()
        await page.locator("#products tr", has_text="Organic Tee").wait_for()
        listing = await page.locator("#products").inner_text()
        assert "Plain Mug" in listing and "Gift Card" in listing
        assert "Wool Cap" not in listing

        # The gift card's stock is not tracked: at 0 units its product page still sells it.
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as c:
            r = await c.get(f"/api/v1/shops/{shop_id}/products/manage", headers=headers)
            gift = next(p for p in r.json()["items"] if p["handle"] == "gift-card")
        assert gift["variants"][0]["stock"] == 0
        await page.goto(f"/products/{gift['id']}")
        await page.locator("#p-stock", has_text="Always").wait_for()
        assert await page.locator("#p-buy").is_enabled()
        assert await page.locator("#p-cart").is_enabled()
        await ctx.close()
