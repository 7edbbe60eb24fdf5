"""The operators' market page in a real browser against a real `liveshop serve`: switch
giveaways off in Germany with a reason, see it in the audit log, schedule a phase change, and
read the launch readiness. Phone and desktop screenshots."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.web import DESKTOP, PHONE, SHOTS, browser, new_buyer, serve

pytestmark = pytest.mark.slow
API = "/api/v1"


async def test_admin_switches_giveaways_off_with_a_reason(
    settings: Settings, tmp_path: Path
) -> None:
    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        ctx, email = await new_buyer(b, server.url)
        await db_exec(
            settings.database_url,
            update(User).where(User.email == email).values(roles=["admin", "buyer"]),
        )
        page = await ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))

        # From the markets list to Germany's page.
        await page.goto("/admin")
        await page.get_by_role("link", name="Deutschland (DE)").click()
        await page.wait_for_url(f"{server.url}/admin/markets/DE")
        await page.get_by_role("heading", name="Admin · Deutschland (DE)").wait_for()
        await page.locator("#audit", has_text="No changes yet.").wait_for()
        readiness = page.locator("#readiness")
        await readiness.get_by_text(re.compile(r"of \d+ messages")).wait_for()
        await readiness.get_by_text("from the analytics planner once it exists").wait_for()

        # Without a reason, nothing changes.
        giveaways = page.get_by_role("switch", name="Giveaways")
        assert await giveaways.is_checked()
        await giveaways.click()
        await page.locator("#admin-msg", has_text="Give a reason first").wait_for()
        assert await giveaways.is_checked()

        # With one, the switch goes off and the log says who, what and why.
        reason = "Prize promotion rules under review"
        await page.get_by_label("Reason for the change").fill(reason)
        await giveaways.click()
        await page.locator("#admin-msg", has_text="Giveaways is now off.").wait_for()
        row = page.locator("#audit tr").first
        await row.locator(".reason", has_text=reason).wait_for()
        assert "giveaways on → off" in await row.inner_text()
        assert email.split("@")[0] in await row.inner_text()
        assert not await giveaways.is_checked()
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            market = (await api.get(f"{API}/markets/DE")).json()
            assert market["switches_off"] == ["giveaways"]
            assert (await api.get(f"{API}/markets/UK")).json()["switches_off"] == []

        # A phase change scheduled for a Berlin morning, listed as pending.
        await page.get_by_label("Reason for the change").fill("Pilot with the launch partners")
        await page.get_by_label("Change", exact=True).select_option("phase")
        await page.get_by_label("To", exact=True).select_option("pilot")
        await page.get_by_label("At (local time)").fill("2030-02-01T09:00")
        await page.get_by_role("button", name="Schedule").click()
        await page.locator("#scheduled tr", has_text="phase → pilot").wait_for()
        await page.locator("#scheduled .badge", has_text="pending").wait_for()
        await (
            page.locator("#audit tr").first.get_by_text("Pilot with the launch partners").wait_for()
        )

        # The page reloads into the same state.
        await page.reload()
        await page.locator("#audit tr", has_text=reason).wait_for()
        assert not await page.get_by_role("switch", name="Giveaways").is_checked()

        SHOTS.mkdir(parents=True, exist_ok=True)
        for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
            await page.set_viewport_size(size)
            shot = SHOTS / f"admin-market-de-{size_name}.png"
            await page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        assert errors == []
        await ctx.close()
