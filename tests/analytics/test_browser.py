"""Chromium opens the show report, the creator and seller analytics, and the admin heatmaps
and staffing planner; finds the charts drawn; changes a shift and sees the coverage update.
Screenshots go to test-artifacts/screenshots/analytics-*.png."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

from liveshop.accounts.models import User
from liveshop.analytics.models import AnalyticsEvent
from liveshop.broker import InProcessBroker
from liveshop.db import create_database, create_oneoff_engine
from liveshop.demo_analytics import add_history
from liveshop.live.shows.models import Show
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork
from tests.kits.factories import db_exec
from tests.kits.web import (
    PHONE,
    SHOTS,
    api_signup,
    browser,
    logged_in,
    seller_with_show,
    serve,
    wait_js,
)


async def _history(url: str, email: str, shop_id: int) -> int:
    """Eight weeks of a UK creator's shows (the demo's generator); the latest show's id."""
    db = create_database(url)
    try:
        async with UnitOfWork(db=db, broker=InProcessBroker()) as uow:
            creators = [(email, shop_id, "UK", [(1, 19), (4, 20), (6, 18)], 250, 3000)]
            assert await add_history(uow, creators=creators) >= 20
            await uow.commit()
        async with UnitOfWork(db=db, broker=InProcessBroker(), write=False) as uow:
            stmt = select(Show.id).where(Show.status == "ended").order_by(Show.id.desc())
            return int((await uow.session.execute(stmt)).scalars().first() or 0)
    finally:
        await db.dispose()


async def _scalar(url: str, query: Any) -> int:
    engine = create_oneoff_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(query)).scalar_one())
    finally:
        await engine.dispose()


async def test_analytics_pages(settings: Settings, tmp_path: Path) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    async with serve(settings, tmp_path, media=False) as server:
        seller = await seller_with_show(server.url, pin=1)
        show_id = await _history(settings.database_url, seller.email, seller.shop["id"])
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            admin_email, _ = await api_signup(api, "Ops Admin", ["buyer"])
        await db_exec(
            settings.database_url,
            update(User).where(User.email == admin_email).values(roles=["admin", "buyer"]),
        )
        async with browser() as b:
            ctx = await logged_in(b, server.url, seller.email)
            page = await ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto(f"/studio/shows/{show_id}/report")
            await wait_js(
                page,
                "document.querySelector('#show-report').dataset.loaded === '1'"
                " && !!document.querySelector('#r-chart canvas')",
            )
            assert await page.locator("#r-funnel svg rect").count() == 5
            assert await page.locator("#r-timeline tbody tr").count() == 60
            assert await page.locator("#r-marks li").count() == 3
            peak = await page.locator("#r-figures dd").first.text_content()
            assert peak is not None and int(peak) > 0
            await page.screenshot(path=str(SHOTS / "analytics-show-report.png"), full_page=True)
            await page.set_viewport_size(PHONE)
            await page.screenshot(
                path=str(SHOTS / "analytics-show-report-phone.png"), full_page=True
            )

            for path in ("/studio/analytics", "/seller/analytics"):
                await page.set_viewport_size({"width": 1280, "height": 800})
                await page.goto(path)
                await wait_js(
                    page,
                    "document.querySelector('#range-report').dataset.loaded === '1'"
                    " && !!document.querySelector('#r-chart canvas')",
                )
                rows = await page.locator("#r-figures tbody tr").count()
                assert rows >= 10, path
                name = path.strip("/").replace("/", "-")
                await page.screenshot(path=str(SHOTS / f"analytics-{name}.png"), full_page=True)
            assert not errors, errors

            # The room page sends its pinned product's impression through the beacon.
            await page.goto(f"/shows/{seller.show['id']}")
            await page.locator("#pins li.pin").first.wait_for()
            await page.goto("/studio/analytics")  # leaving the page flushes the queue
            query = select(func.count()).select_from(AnalyticsEvent)
            query = query.where(AnalyticsEvent.kind == "impression")
            for _ in range(100):
                if await _scalar(settings.database_url, query) == 1:
                    break
                await asyncio.sleep(0.1)
            assert await _scalar(settings.database_url, query) == 1

            admin = await logged_in(b, server.url, admin_email)
            page = await admin.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            await page.goto("/admin/analytics?market=UK")
            await wait_js(
                page,
                "document.querySelector('#admin-analytics').dataset.heatmaps === '1'"
                " && !!document.querySelector('#coverage svg')"
                " && !!document.querySelector('#market-figures canvas')",
            )
            assert await page.locator("svg.heatmap").count() == 5  # 4 heatmaps + coverage
            assert await page.locator("#heatmaps svg.heatmap").first.locator("rect").count() == 168
            under = int(
                await page.evaluate("document.querySelector('#admin-analytics').dataset.under")
            )
            assert under > 0  # the default shifts leave the evening peak short
            assert await page.locator("#coverage rect.st-under").count() == under
            await page.screenshot(path=str(SHOTS / "analytics-admin.png"), full_page=True)

            # Staff the day shift generously (40 agents, 20 moderators from 08:00 to 16:00):
            # fewer understaffed hours, and the grid and its list redraw.
            runs = await page.evaluate("document.querySelector('#admin-analytics').dataset.plan")
            day = page.locator('#shifts tr[data-shift="1"]')
            await day.locator('input[data-field="people"]').fill("40")
            await day.locator('input[data-field="people"]').press("Tab")
            await page.get_by_role("button", name="Add a shift").click()
            added = page.locator('#shifts tr[data-shift="5"]')
            await added.locator('select[data-field="role"]').select_option("moderator")
            await added.locator('select[data-field="days"]').select_option("0-6")
            await added.locator('input[data-field="start"]').fill("8")
            await added.locator('input[data-field="start"]').press("Tab")
            await added.locator('input[data-field="people"]').fill("20")
            await added.locator('input[data-field="people"]').press("Tab")
            await wait_js(
                page,
                f"document.querySelector('#admin-analytics').dataset.plan !== '{runs}'"
                " && document.querySelector('#plan-csv').href"
                ".includes('moderator%2C0-6%2C8%2C8%2C20')",
            )
            after = int(
                await page.evaluate("document.querySelector('#admin-analytics').dataset.under")
            )
            assert after < under
            assert await page.locator("#coverage rect.st-under").count() == after
            csv_href = await page.locator("#plan-csv").get_attribute("href")
            assert csv_href is not None and "shift=agent%2C0-6%2C8%2C8%2C40" in csv_href
            r = await admin.request.get(csv_href)
            assert r.ok and (await r.text()).startswith("day,hour,")
            await page.screenshot(path=str(SHOTS / "analytics-planner.png"), full_page=True)
            assert not errors, errors
            await admin.close()
            await ctx.close()
