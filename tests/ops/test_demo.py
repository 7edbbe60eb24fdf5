"""The demo data the README promises: shops in three markets, products, people, shows."""

from __future__ import annotations

import calendar
from datetime import datetime
from zoneinfo import ZoneInfo

import httpx

from liveshop.demo import PASSWORD, build_demo
from liveshop.markets.seed import MARKETS

MARKET_TZ = {str(m["code"]): str(m["timezone"]) for m in MARKETS}


async def test_demo_builds_and_its_accounts_log_in(database_url: str, settings, make_app) -> None:  # type: ignore[no-untyped-def]
    accounts = await build_demo(database_url, reset=False)
    roles = [a.role for a in accounts]
    assert roles.count("creator") == 3 and roles.count("buyer") == 5 and roles.count("seller") == 3
    async with make_app(settings, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for acc in accounts:
                r = await client.post(
                    "/api/v1/auth/login", json={"email": acc.email, "password": PASSWORD}
                )
                assert r.status_code == 200, acc.email
            shops = (await client.get("/api/v1/shops")).json()
            assert {s["market_code"] for s in shops["items"]} == {"UK", "DE", "US"}
            products = (await client.get("/api/v1/products?limit=100")).json()
            assert products["total"] == 30
            assert all(p["images"] for p in products["items"])
            assert sum(len(p["variants"]) for p in products["items"]) > 30
            shows = (await client.get("/api/v1/shows")).json()
            # three to go live with the demo (its encoders), three for OBS later
            assert len(shows) == 6 and {s["status"] for s in shows} == {"scheduled"}
            assert all(s["product_ids"] for s in shows)
            for show in shows:  # a title that names a day must be on that day where it airs
                tz = ZoneInfo(MARKET_TZ[show["markets"][0]])
                day = datetime.fromisoformat(show["starts_at"]).astimezone(tz).strftime("%A")
                named = [d for d in calendar.day_name if d in show["title"]]
                assert named in ([], [day]), (show["title"], day)
            img = await client.get(products["items"][0]["images"][0])
            assert img.headers["content-type"] == "image/svg+xml"
