"""axe-core on the main pages, at phone size: no serious or critical violation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python.async_playwright import Axe
from sqlalchemy import update

from liveshop.accounts.models import User
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.factories import db_exec
from tests.kits.web import PHONE, api_signup, browser, logged_in, new_buyer, seller_with_show, serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(MODE != "embedded", reason="the pages are the same in both modes"),
]
BLOCKING = {"serious", "critical"}


async def _violations(page: Any, path: str, ready: str) -> list[str]:

    await page.goto(path)
    await page.locator(ready).first.wait_for()
    await page.wait_for_load_state("networkidle")
    results = await Axe().run(page)
    return [
        f"{path}: {v['id']} ({v['impact']}) {v['help']} — "
        + "; ".join(n["target"][0] for n in v["nodes"][:3])
        for v in results.response["violations"]
        if v["impact"] in BLOCKING
    ]


async def test_the_main_pages_have_no_serious_accessibility_violations(
    settings: Settings, tmp_path: Path
) -> None:

    async with serve(settings, tmp_path, media=False) as server, browser() as b:
        seller = await seller_with_show(server.url, n_products=2, pin=1)
        show = seller.show["id"]
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
            admin_email, _ = await api_signup(api, "Ada Admin", ["buyer"])
        await db_exec(
            settings.database_url,
            update(User).where(User.email == admin_email).values(roles=["admin", "buyer"]),
        )
        found: list[str] = []
        buyer, _ = await new_buyer(b, server.url, viewport=PHONE)
        page = await buyer.new_page()
        for path, ready in (
            ("/", "#live-now li"),
            (f"/shows/{show}", ".pin"),
            (f"/products/{seller.products[0]['id']}", "#p-title"),
            ("/cart", "main"),
            ("/orders", "main"),
            ("/login", "main"),
        ):
            found += await _violations(page, path, ready)
        seller_ctx = await logged_in(b, server.url, seller.email, viewport=PHONE)
        page = await seller_ctx.new_page()
        for path, ready in (
            ("/studio", "#schedule-form"),
            (f"/studio/shows/{show}", "#rtmp"),
            ("/seller", "main"),
            ("/seller/products", "#products tr"),
        ):
            found += await _violations(page, path, ready)
        admin_ctx = await logged_in(b, server.url, admin_email, viewport=PHONE)
        page = await admin_ctx.new_page()
        for path, ready in (
            ("/admin", "#markets tr"),
            ("/admin/shops", "#shops tr"),
            ("/admin/markets/DE", "#audit tr"),
        ):
            found += await _violations(page, path, ready)
        assert found == [], "\n".join(found)
