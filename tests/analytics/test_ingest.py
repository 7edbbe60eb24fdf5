"""Ingest robustness: retried batches count once, a full buffer drops and counts without
holding requests up, and a graceful stop writes everything buffered."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from liveshop.analytics import rollup
from liveshop.analytics.ingest import recorder
from liveshop.analytics.models import AnalyticsEvent, MarketHour
from liveshop.analytics.store import SqlEventStore
from liveshop.settings import Settings


def _events(n: int, kind: str = "click", market: str = "UK") -> list[dict[str, Any]]:
    now = int(time.time() * 1000)
    return [
        {"id": uuid.uuid4().hex, "kind": kind, "at": now, "market": market, "viewer": "dev1"}
        for _ in range(n)
    ]


def _dropped(reason: str) -> float:
    value = REGISTRY.get_sample_value("liveshop_analytics_events_dropped_total", {"reason": reason})
    return value or 0.0


async def _stored(app: Any) -> int:
    async with app.state.db.read.connect() as conn:
        return int(
            (await conn.execute(select(func.count()).select_from(AnalyticsEvent))).scalar_one()
        )


async def test_retried_batch_counts_once(app: Any, client: httpx.AsyncClient) -> None:
    batch = {"events": _events(40)}
    for _ in range(3):  # the page retried twice: the answer was lost, not the events
        r = await client.post("/api/v1/analytics/events", json=batch)
        assert r.status_code == 202, r.text
        await recorder.flush()
    assert await _stored(app) == 40
    await rollup.catch_up(app.state.db, SqlEventStore(app.state.db))
    async with app.state.db.read.connect() as conn:
        clicks = (await conn.execute(select(func.sum(MarketHour.clicks)))).scalar_one()
    assert clicks == 40
    # The same again after the rollup: still 40 (the store keeps one row per id).
    r = await client.post("/api/v1/analytics/events", json=batch)
    await recorder.flush()
    await rollup.catch_up(app.state.db, SqlEventStore(app.state.db))
    async with app.state.db.read.connect() as conn:
        clicks = (await conn.execute(select(func.sum(MarketHour.clicks)))).scalar_one()
    assert clicks == 40


async def test_bad_batches_are_refused_whole(app: Any, client: httpx.AsyncClient) -> None:
    bad = [
        {"events": [{"id": "x", "kind": "click", "at": 1}]},  # id too short
        {"events": [{**_events(1)[0], "kind": "purchase"}]},  # the server's to record
        {"events": [{**_events(1)[0], "at": "yesterday"}]},
        {"events": _events(501)},
        {"events": [{**_events(1)[0], "viewer": "a\u0000b"}]},
        {"nope": 1},
    ]
    for body in bad:
        r = await client.post("/api/v1/analytics/events", json=body)
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    r = await client.post("/api/v1/analytics/events", content=b"{not json")
    assert r.status_code == 422
    await recorder.flush()
    assert await _stored(app) == 0


async def test_full_buffer_drops_counts_and_does_not_block(
    settings: Settings, make_app: Any
) -> None:
    tight = settings.model_copy(
        update={
            "analytics_buffer_events": 100,
            "analytics_flush_events": 1_000_000,
            "analytics_flush_seconds": 60,
        }
    )
    async with make_app(tight, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            before = _dropped("buffer_full")
            started = time.perf_counter()
            answers = []
            for _ in range(5):
                r = await client.post("/api/v1/analytics/events", json={"events": _events(50)})
                assert r.status_code == 202
                answers.append(r.json())
            elapsed = time.perf_counter() - started
            assert [a["accepted"] for a in answers] == [50, 50, 0, 0, 0]
            assert sum(a["dropped"] for a in answers) == 150
            assert _dropped("buffer_full") - before == 150
            assert elapsed < 2.0  # nobody waited for a flush
            r = await client.get("/metrics")
            assert 'liveshop_analytics_events_dropped_total{reason="buffer_full"}' in r.text
        stored_before_stop = await _stored(app)
        assert stored_before_stop == 0
    # The app's lifespan ended: a graceful stop wrote the 100 it had taken.
    async with make_app(settings, run_background=False) as again:
        assert await _stored(again) == 100


async def test_graceful_stop_loses_nothing(settings: Settings, make_app: Any) -> None:
    slow = settings.model_copy(
        update={"analytics_flush_events": 1_000_000, "analytics_flush_seconds": 60}
    )
    async with make_app(slow, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            for _ in range(20):
                r = await client.post("/api/v1/analytics/events", json={"events": _events(100)})
                assert r.json() == {"accepted": 100, "dropped": 0}
            for n in range(500):
                recorder.record("support_contact", market="ID", id=f"support-{n}")
            await asyncio.sleep(0)
            assert await _stored(app) == 0  # all still buffered
    async with make_app(settings, run_background=False) as again:
        assert await _stored(again) == 2_500


async def test_rollup_passes_racing_count_once(app: Any) -> None:
    """Two workers folding at the same moment: every event lands in the rollups once."""
    db = app.state.db
    for n in range(3_000):
        recorder.record("chat", market="ID", id=f"race-{n}")
    await recorder.flush()
    stores = [SqlEventStore(db), SqlEventStore(db)]
    while sum(await asyncio.gather(*(rollup.run_once(db, s, limit=700) for s in stores))):
        pass
    async with db.read.connect() as conn:
        chats = (await conn.execute(select(func.sum(MarketHour.chats)))).scalar_one()
    assert chats == 3_000
