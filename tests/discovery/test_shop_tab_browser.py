"""The Shop tab in a real browser on a phone: a followed creator's live show leads the feed with
its reason, and typing "hodie" suggests the hoodie. The load is timed and screenshots saved."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.db import utcnow
from liveshop.live.shows.models import Show
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.web import (
    PASSWORD,
    PHONE,
    SHOTS,
    browser,
    new_buyer,
    seller_with_show,
    serve,
    wait_js,
)

pytestmark = pytest.mark.slow

# Filled (live now + first feed page) within this on a phone viewport. Measured ~1.0 s on an
# idle machine and ~2.1 s with benchmarks running beside it on two shared cores; the budget
# leaves room for that, and still fails on a page that waits on something slow.
LOAD_BUDGET_MS = 4000


def _errors(page: Any) -> list[str]:
    seen: list[str] = []
    page.on("pageerror", lambda exc: seen.append(str(exc)))
    return seen


async def test_shop_tab_on_a_phone(settings: Settings, tmp_path: Path) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url, n_products=4)
        await db_exec(
            settings.database_url,
            update(Show)
            .where(Show.id == seller.show["id"])
            .values(status="live", went_live_at=utcnow()),
        )
        ctx, email = await new_buyer(b, server.url, viewport=PHONE)
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            r = await api.post("/api/v1/auth/login", json={"email": email, "password": PASSWORD})
            token = r.json()["token"]
            host_id = seller.show["host_id"]
            r = await api.post(
                "/api/v1/me/follows",
                headers={"Authorization": f"Bearer {token}"},
                json={"target_kind": "creator", "target_id": host_id},
            )
            assert r.status_code in (200, 201), r.text
        page = await ctx.new_page()
        errors = _errors(page)
        started = time.perf_counter()
        await page.goto("/for-you")
        await wait_js(page, "document.body.dataset.ready === '1'")
        ready_ms = (time.perf_counter() - started) * 1000
        timing = await page.evaluate(
            "(() => { const n = performance.getEntriesByType('navigation')[0];"
            " return {dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd}; })()"
        )
        first = page.locator("#feed > li").first
        assert await first.get_attribute("data-show") == str(seller.show["id"])
        reason = await first.locator(".reason").inner_text()
        assert "Leeds Loungewear is live now" in reason and "follow" in reason
        live = page.locator("#live-now li")
        assert "Cosy night in" in await live.first.inner_text()
        SHOTS.mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(SHOTS / "discovery-feed-phone.png"), full_page=True)

        box = page.get_by_role("combobox", name="Search products, shows, creators and shops")
        await box.click()
        await box.press_sequentially("hodie", delay=60)
        option = page.get_by_role("option", name="Cloud hoodie")
        await option.wait_for(state="visible", timeout=5000)
        await page.screenshot(path=str(SHOTS / "discovery-suggest-phone.png"))
        # Keyboard: down then Enter opens the product.
        await box.press("ArrowDown")
        await box.press("Enter")
        await page.wait_for_url("**/products/*")

        await page.goto("/for-you?q=hoodie")
        await wait_js(page, "document.body.dataset.ready === '1'")
        assert "Cloud hoodie" in await page.locator("#results li").first.inner_text()
        assert await page.locator("#facets input[type=checkbox]").count() >= 1
        await page.screenshot(path=str(SHOTS / "discovery-results-phone.png"), full_page=True)
        assert errors == []
        dcl = timing["dcl"]
        print(f"\nshop tab on a phone: ready {ready_ms:.0f} ms, DOMContentLoaded {dcl:.0f} ms")
        assert ready_ms < LOAD_BUDGET_MS, ready_ms
