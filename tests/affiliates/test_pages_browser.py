"""Browser test: the seller's collaboration manager and the creator's collaborations page, in
Debian's chromium against a real server, on a phone, driven by the keyboard where it counts."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from liveshop.settings import Settings
from tests.kits.web import PHONE, SHOTS, api_signup, browser, logged_in, seller_with_show, serve

pytestmark = pytest.mark.slow
API = "/api/v1"


async def test_offer_accept_showcase_and_cut_on_a_phone(settings: Settings, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url, n_products=2)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            creator_email, creator = await api_signup(api, "Casey Creator", ["creator"])
        creator_id = creator["user"]["id"]

        # The seller invites Casey at 15% on the hoodie, by keyboard, on a phone.
        ctx = await logged_in(b, server.url, seller.email, viewport=PHONE)
        page = await ctx.new_page()
        await page.goto("/seller/creators")
        await page.locator("#collabs-empty", has_text="No collaborations yet").wait_for()
        product = page.get_by_label("Product", exact=True)
        await product.locator("option", has_text="Cloud hoodie").wait_for(state="attached")
        await product.select_option(label="Cloud hoodie")
        targeted = page.get_by_label("One creator (targeted)")
        await targeted.focus()
        await page.keyboard.press("Space")
        assert await targeted.is_checked()
        await page.get_by_label("Creator ID").fill(str(creator_id))
        await page.get_by_label("Commission (%)").fill("15")
        await page.get_by_label("Commission (%)").press("Enter")
        row = page.locator("tr.collab", has_text="Casey Creator")
        await row.get_by_text("invited").wait_for()
        await page.screenshot(path=str(SHOTS / "seller-collaborations-phone.png"), full_page=True)

        # Casey accepts and showcases it; the rate and why show beside it.
        cctx = await logged_in(b, server.url, creator_email, viewport=PHONE)
        cpage = await cctx.new_page()
        await cpage.goto("/studio/collaborations")
        await cpage.get_by_role("button", name="Accept Cloud hoodie from Leeds Loungewear").click()
        await cpage.get_by_role(
            "button", name="Add Cloud hoodie from Leeds Loungewear to your showcase"
        ).click()
        item = cpage.locator("li.showcase-item", has_text="Cloud hoodie")
        await item.get_by_text("15%").first.wait_for()
        await cpage.screenshot(path=str(SHOTS / "studio-collaborations-phone.png"), full_page=True)

        # The seller cuts the rate: Casey keeps 15% for 30 days, and the history says so.
        await page.reload()
        rate = page.get_by_label("New rate for Cloud hoodie (%)")
        await rate.fill("5")
        await rate.press("Enter")
        await row.get_by_text("5%", exact=True).wait_for()  # not "15%": the new rate
        await page.get_by_role("button", name="Rate history of Cloud hoodie").click()
        await page.locator("#history-list li", has_text="was 15%").wait_for()
        await cpage.reload()
        await item.get_by_text("15% held").wait_for()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            listed = (
                await api.get(
                    f"{API}/shops/{seller.shop['id']}/collaborations", headers=seller.headers
                )
            ).json()
        assert [(c["creator_id"], c["rate_bp"], c["status"]) for c in listed] == [
            (creator_id, 500, "accepted")
        ]
