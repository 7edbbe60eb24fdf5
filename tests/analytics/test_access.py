"""Who may read which report (a matrix, with rights taken away), and the raw-event retention."""

from __future__ import annotations

import csv
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import func, select, update

from liveshop.accounts.models import User
from liveshop.analytics import rollup
from liveshop.analytics.ingest import recorder
from liveshop.analytics.models import AnalyticsEvent, MarketHour
from liveshop.analytics.rollup import upkeep
from liveshop.analytics.store import SqlEventStore
from liveshop.db import utcnow
from tests.kits.factories import Api
from tests.kits.room import make_show


async def test_report_access_matrix(app: Any, client: httpx.AsyncClient, api: Api) -> None:
    seller, show, _items = await make_show(api, client, live=False)
    sid = show["id"]
    shop_id = show["shop_id"]
    admin = await api.user("admin")
    other_seller = await api.user("seller")
    await api.shop(other_seller)
    buyer = await api.user()
    urls = {
        "show": f"/api/v1/analytics/shows/{sid}",
        "shop": f"/api/v1/analytics/shops/{shop_id}",
        "market": "/api/v1/analytics/markets/UK",
        "heatmap": "/api/v1/analytics/markets/UK/heatmap",
        "staffing": "/api/v1/analytics/markets/UK/staffing",
    }
    expected = {
        "seller (host)": (
            seller,
            {"show": 200, "shop": 200, "market": 403, "heatmap": 403, "staffing": 403},
        ),
        "other seller": (
            other_seller,
            {"show": 403, "shop": 403, "market": 403, "heatmap": 403, "staffing": 403},
        ),
        "buyer": (
            buyer,
            {"show": 403, "shop": 403, "market": 403, "heatmap": 403, "staffing": 403},
        ),
        "admin": (
            admin,
            {"show": 200, "shop": 200, "market": 200, "heatmap": 200, "staffing": 200},
        ),
    }
    for who, (actor, codes) in expected.items():
        for name, url in urls.items():
            r = await client.get(url, headers=actor.headers)
            assert r.status_code == codes[name], (who, name, r.text)
    for url in urls.values():
        assert (await client.get(url)).status_code == 401
    assert (
        await client.get("/api/v1/analytics/shows/999999", headers=admin.headers)
    ).status_code == 404
    # Every range report exports CSV (the figures beside the period before, then the days).
    for url, actor in ((urls["shop"], seller), (urls["market"], admin)):
        r = await client.get(f"{url}?format=csv", headers=actor.headers)
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(r.text.splitlines()))
        assert rows[0][0] == "metric" and {"views", "orders", "gmv"} <= {x[0] for x in rows if x}
    r = await client.get("/api/v1/analytics/creators/me?format=csv", headers=seller.headers)
    assert r.status_code == 200 and r.text.startswith("metric,")
    # The operator's role taken away: the market reports close at once.
    async with app.state.db.write.begin() as conn:
        await conn.execute(update(User).where(User.id == admin.id).values(roles=["buyer"]))
    for name in ("market", "heatmap", "staffing", "show"):
        r = await client.get(urls[name], headers=admin.headers)
        assert r.status_code == 403, (name, r.text)
    # Bad ranges are refused, not answered with a 500.
    r = await client.get(
        f"/api/v1/analytics/shops/{shop_id}?start=2026-02-01&end=2026-01-01", headers=seller.headers
    )
    assert r.status_code == 422 and r.json()["code"] == "bad_range"
    r = await client.get(
        f"/api/v1/analytics/shops/{shop_id}?start=2020-01-01&end=2026-01-01", headers=seller.headers
    )
    assert r.status_code == 422 and r.json()["code"] == "range_too_long"


async def test_retention_forgets_raw_events_keeps_rollups(app: Any) -> None:
    db = app.state.db
    store = SqlEventStore(db)
    now = utcnow()
    for n, days in enumerate((200, 120, 91, 10, 0)):
        recorder.record("chat", market="UK", at=now - timedelta(days=days), id=f"old-{n}")
    await recorder.flush()
    await rollup.catch_up(db, store)
    await upkeep(store, retention_days=90)
    async with db.read.connect() as conn:
        left = (await conn.execute(select(func.count()).select_from(AnalyticsEvent))).scalar_one()
        chats = (await conn.execute(select(func.sum(MarketHour.chats)))).scalar_one()
    assert left == 2  # 10 days old and today
    assert chats == 5  # what was counted stays counted
    # New events after the purge still fold in (the watermark is not confused by gaps).
    recorder.record("chat", market="UK", id="after-purge")
    await recorder.flush()
    await rollup.catch_up(db, store)
    async with db.read.connect() as conn:
        chats = (await conn.execute(select(func.sum(MarketHour.chats)))).scalar_one()
    assert chats == 6
