"""The hour-of-week heatmap puts events in the market's local cells, across a DST change.

The UK leaves summer time on Sunday 25 October 2026 (02:00 BST -> 01:00 GMT); Indonesia (WIB,
UTC+7) has no summer time. UTC times below are worked out by hand from the local ones.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from typing import Any

import httpx

from liveshop.analytics import reports, rollup
from liveshop.analytics.ingest import recorder
from liveshop.analytics.store import SqlEventStore
from liveshop.db import sessionmaker_for
from tests.kits.factories import Api

MON, WED, SUN = 0, 2, 6


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


async def test_local_cells_across_dst(app: Any, client: httpx.AsyncClient, api: Api) -> None:
    events = [
        # UK, Wednesday 19:30 local, once in summer time and once after: both Wed 19:00.
        ("UK", "support_contact", utc("2026-10-14T18:30:00")),  # 19:30 BST
        ("UK", "support_contact", utc("2026-10-28T19:30:00")),  # 19:30 GMT
        # UK, 01:30 on the night the clocks go back happens twice: both Sun 01:00.
        ("UK", "chat", utc("2026-10-25T00:30:00")),  # 01:30 BST
        ("UK", "chat", utc("2026-10-25T01:30:00")),  # 01:30 GMT
        # UK, Monday 08:10 local after the change (08:10 UTC) is Mon 08:00, not 09:00.
        ("UK", "purchase", utc("2026-10-26T08:10:00")),
        # Indonesia, Wednesday 20:15 WIB both weeks: 13:15 UTC, both Wed 20:00.
        ("ID", "support_contact", utc("2026-10-14T13:15:00")),
        ("ID", "support_contact", utc("2026-10-28T13:15:00")),
        # Indonesia at the UK's changeover instant: Sunday 07:30 WIB.
        ("ID", "chat", utc("2026-10-25T00:30:00")),
        # Outside the four weeks asked for: ignored.
        ("ID", "chat", utc("2026-09-30T10:00:00")),
    ]
    for n, (market, kind, at) in enumerate(events):
        extra = {"value": 1999, "qty": 1, "currency": "GBP"} if kind == "purchase" else {}
        recorder.record(kind, market=market, at=at, id=f"heat-{n}", **extra)
    # An hour watched (heartbeats of 3600 s) in UK Wed 21:00 BST: one viewer on average / 4.
    recorder.record("heartbeat", market="UK", at=utc("2026-10-21T20:05:00"), value=3600)
    await recorder.flush()
    await rollup.catch_up(app.state.db, SqlEventStore(app.state.db))

    admin = await api.user("admin")
    until = "2026-10-31T23:00:00Z"
    got = {}
    for market in ("UK", "ID"):
        # The API's window ends now; the service takes an explicit end for this test.
        async with sessionmaker_for(app.state.db.read)() as session:
            got[market] = await reports.heatmap(
                session, market=market, weeks=4, until=datetime.fromisoformat(until)
            )
    uk, ident = got["UK"], got["ID"]
    weeks = 4
    assert uk.support_contacts[WED][19] == 2 / weeks
    assert sum(map(sum, uk.support_contacts)) == 2 / weeks
    assert uk.chats[SUN][1] == 2 / weeks
    assert sum(map(sum, uk.chats)) == 2 / weeks
    assert uk.orders[MON][8] == 1 / weeks
    assert uk.viewers[WED][21] == 1 / weeks
    assert ident.support_contacts[WED][20] == 2 / weeks
    assert sum(map(sum, ident.support_contacts)) == 2 / weeks
    assert ident.chats[SUN][7] == 1 / weeks
    assert sum(map(sum, ident.chats)) == 1 / weeks  # September's is outside the window

    # Through the API (operators only), with the CSV export read by the csv module.
    r = await client.get("/api/v1/analytics/markets/UK/heatmap?weeks=8", headers=admin.headers)
    assert r.status_code == 200, r.text
    assert len(r.json()["viewers"]) == 7 and all(len(d) == 24 for d in r.json()["viewers"])
    r = await client.get("/api/v1/analytics/markets/UK/heatmap?format=csv", headers=admin.headers)
    rows = list(csv.DictReader(r.text.splitlines()))
    assert len(rows) == 7 * 24 and rows[0]["day"] == "Monday" and rows[0]["hour"] == "00:00"
    buyer = await api.user()
    r = await client.get("/api/v1/analytics/markets/UK/heatmap", headers=buyer.headers)
    assert r.status_code == 403 and r.json()["code"] == "admin_only"
