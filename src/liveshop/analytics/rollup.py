"""The rollup job: reads raw events past its watermark and adds them into the rollups.

Incremental: each pass reads at most `limit` new events (by `seq`), folds them in memory and
upserts the sums (`x = x + excluded.x`, peaks with a maximum) in one transaction that also
moves the watermark with a compare-and-set. Two workers that both try a pass cannot both
count the same events: the second one's watermark update matches no row and it rolls back.
The job runs under the background-jobs lease (`worker.py`), so normally only one tries.

On PostgreSQL a flush that took its `seq` numbers earlier may commit after a later one, so a
pass only reads up to the highest `seq` it saw `settle_seconds` ago.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import metrics
from liveshop.analytics.events import Row
from liveshop.analytics.models import (
    MarketHour,
    RollupState,
    ShowInfo,
    ShowMark,
    ShowMinute,
    ShowSales,
    ShowViewer,
)
from liveshop.analytics.store import SqlEventStore
from liveshop.db import Database, sessionmaker_for, utcnow

log = logging.getLogger(__name__)
STATE = "main"


@dataclass(frozen=True)
class ShowFacts:
    show_id: int
    creator_id: int | None
    shop_id: int | None
    market: str
    title: str


# Set by the wiring (entry layer): analytics sits below live, so it is told about shows.
ShowResolver = Callable[[AsyncSession, list[int]], Awaitable[list[ShowFacts]]]
_resolver: ShowResolver | None = None


def set_show_resolver(resolver: ShowResolver | None) -> None:
    global _resolver
    _resolver = resolver


async def show_facts(session: AsyncSession, show_ids: Iterable[int]) -> dict[int, ShowFacts]:
    """What analytics knows of these shows, asking the resolver (and remembering) for new ones."""
    wanted = sorted(set(show_ids))
    if not wanted:
        return {}
    rows = (await session.execute(select(ShowInfo).where(ShowInfo.show_id.in_(wanted)))).scalars()
    known = {
        r.show_id: ShowFacts(r.show_id, r.creator_id, r.shop_id, r.market, r.title) for r in rows
    }
    missing = [s for s in wanted if s not in known]
    if missing and _resolver is not None:
        for facts in await _resolver(session, missing):
            known[facts.show_id] = facts
            await session.execute(
                _insert(session)(ShowInfo)
                .values(
                    show_id=facts.show_id,
                    creator_id=facts.creator_id,
                    shop_id=facts.shop_id,
                    market=facts.market,
                    title=facts.title[:200],
                )
                .on_conflict_do_nothing()
            )
    return known


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


SHOW_COUNTERS = {
    "view_start": "views",
    "like": "likes",
    "chat": "chats",
    "impression": "impressions",
    "click": "clicks",
    "add_to_cart": "carts",
    "checkout_start": "checkouts",
    "follow": "follows",
    "share": "shares",
}
MARKET_COUNTERS = {
    "view_start": "views",
    "like": "likes",
    "chat": "chats",
    "impression": "impressions",
    "click": "clicks",
    "add_to_cart": "carts",
    "checkout_start": "checkouts",
    "support_contact": "support_contacts",
    "moderation": "moderation_actions",
}


def _minute(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(second=0, microsecond=0)


def _hour(at: datetime) -> datetime:
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


class Fold:
    """The sums of one batch of events, keyed like the rollup tables."""

    def __init__(self) -> None:
        self.minutes: dict[tuple[int, datetime], dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.sales: dict[tuple[int, datetime, str], dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.hours: dict[tuple[str, datetime], dict[str, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        self.viewers: set[tuple[int, str]] = set()
        self.marks: list[dict[str, Any]] = []

    def add(self, e: Row, market: str | None) -> None:
        kind = e.kind
        if e.show_id is not None:
            m = self.minutes[(e.show_id, _minute(e.at))]
            if kind in SHOW_COUNTERS:
                m[SHOW_COUNTERS[kind]] += 1 if kind != "like" else max(e.value, 1)
            if kind in ("heartbeat", "view_end"):
                m["watch_seconds"] += e.value
            elif kind == "viewers":
                m["viewers_peak"] = max(m["viewers_peak"], e.value)
                m["viewers_sum"] += e.value
                m["viewer_samples"] += 1
            elif kind == "view_start" and e.viewer:
                self.viewers.add((e.show_id, e.viewer))
            elif kind in ("pin", "deal"):
                self.marks.append(
                    {
                        "id": e.id,
                        "show_id": e.show_id,
                        "at": e.at,
                        "kind": kind,
                        "product_id": e.product_id,
                    }
                )
            elif kind in ("purchase", "cancel", "refund") and e.currency:
                s = self.sales[(e.show_id, _minute(e.at), e.currency)]
                sign = -1 if kind == "cancel" else 1
                if kind == "refund":
                    s["refunds"] += 1
                    s["refunded"] += e.value
                else:
                    s["orders"] += sign
                    s["units"] += sign * e.qty
                    s["gmv"] += sign * e.value
        if market is None:
            return
        h = self.hours[(market, _hour(e.at))]
        if kind in MARKET_COUNTERS:
            h[MARKET_COUNTERS[kind]] += 1 if kind != "like" else max(e.value, 1)
        elif kind in ("heartbeat", "view_end"):
            h["watch_seconds"] += e.value
        elif kind in ("purchase", "cancel"):
            sign = -1 if kind == "cancel" else 1
            h["orders"] += sign
            h["gmv"] += sign * e.value


async def _upsert(
    session: AsyncSession,
    model: Any,
    keys: tuple[str, ...],
    rows: dict[Any, dict[str, int]],
    peaks: tuple[str, ...] = (),
) -> None:
    if not rows:
        return
    insert = _insert(session)
    pg = insert is pg_insert
    columns = sorted({c for sums in rows.values() for c in sums})
    values = []
    for key in sorted(rows):  # a fixed order: concurrent passes lock rows alike
        sums = rows[key]
        values.append({**dict(zip(keys, key, strict=True)), **{c: sums.get(c, 0) for c in columns}})
        for col in model.__table__.columns:
            values[-1].setdefault(col.name, 0)
    stmt = insert(model)
    table = model.__table__
    greatest = func.greatest if pg else func.max
    set_ = {
        c: (greatest(table.c[c], stmt.excluded[c]) if c in peaks else table.c[c] + stmt.excluded[c])
        for c in columns
    }
    # Events that only open a row (a kind that counts nothing here) leave nothing to add.
    upsert = (
        stmt.on_conflict_do_update(index_elements=list(keys), set_=set_)
        if set_
        else stmt.on_conflict_do_nothing(index_elements=list(keys))
    )
    await session.execute(upsert, values)


async def fold_into_rollups(session: AsyncSession, events: list[Row]) -> None:
    """Add `events` into every rollup (inside the caller's transaction)."""
    facts = await show_facts(session, (e.show_id for e in events if e.show_id is not None))
    fold = Fold()
    for e in events:
        market = e.market
        if market is None and e.show_id is not None and e.show_id in facts:
            market = facts[e.show_id].market
        fold.add(e, market)
    await _upsert(session, ShowMinute, ("show_id", "minute"), fold.minutes, ("viewers_peak",))
    await _upsert(session, ShowSales, ("show_id", "minute", "currency"), fold.sales)
    await _upsert(session, MarketHour, ("market", "hour"), fold.hours)
    insert = _insert(session)
    if fold.viewers:
        await session.execute(
            insert(ShowViewer).on_conflict_do_nothing(),
            [{"show_id": s, "viewer": v} for s, v in sorted(fold.viewers)],
        )
    if fold.marks:
        await session.execute(insert(ShowMark).on_conflict_do_nothing(), fold.marks)


async def run_once(
    db: Database, store: SqlEventStore, *, upto: int | None = None, limit: int = 20_000
) -> int:
    """One pass: fold up to `limit` unseen events; returns how many (0: nothing new).

    Everything is read before the write session opens: on SQLite the write session holds the
    one writer, and requests queued for that writer hold read connections, so waiting for a
    read while holding the writer would stall both until a pool timeout."""
    async with db.read.connect() as conn:
        found = await conn.execute(select(RollupState.seq).where(RollupState.name == STATE))
        start = found.scalar_one_or_none() or 0
    batch = await store.read(after=start, upto=upto, limit=limit)
    if not batch:
        return 0
    async with sessionmaker_for(db.write)() as session:
        await session.execute(
            _insert(session)(RollupState).values(name=STATE, seq=0).on_conflict_do_nothing()
        )
        await fold_into_rollups(session, [row for _seq, row in batch])
        moved = await session.execute(
            update(RollupState)
            .where(RollupState.name == STATE, RollupState.seq == start)
            .values(seq=batch[-1][0])
            .execution_options(synchronize_session=False)
        )
        if not getattr(moved, "rowcount", 0):
            await session.rollback()  # another worker folded them first
            return 0
        await session.commit()
        return len(batch)


async def catch_up(db: Database, store: SqlEventStore, *, upto: int | None = None) -> int:
    """Passes until nothing is left (tests, the demo, the CLI)."""
    total = 0
    while n := await run_once(db, store, upto=upto):
        total += n
    return total


async def run_rollups(
    db: Database,
    *,
    interval: float,
    settle_seconds: float,
    retention_days: int,
) -> None:
    """Forever: fold new events every `interval`; hourly, apply the retention and add the
    coming months' partitions."""
    store = SqlEventStore(db)
    seen: list[tuple[float, int]] = []
    last_upkeep = 0.0
    while True:
        with metrics.sweep("analytics_rollup"):
            try:
                now = time.monotonic()
                if now - last_upkeep > 3600:
                    last_upkeep = now
                    await upkeep(store, retention_days=retention_days)
                upto: int | None = None
                if store.pg:
                    seen.append((now, await store.last_seq()))
                    settled = [s for t, s in seen if now - t >= settle_seconds]
                    seen = [(t, s) for t, s in seen if now - t < settle_seconds] + (
                        [(now - settle_seconds, settled[-1])] if settled else []
                    )
                    upto = max(settled) if settled else 0
                while await run_once(db, store, upto=upto) > 0:
                    pass
            except Exception:
                log.exception("analytics rollup pass failed")
        await asyncio.sleep(interval)


async def upkeep(store: SqlEventStore, *, retention_days: int) -> None:
    now = utcnow()
    await store.ensure_partitions(now - timedelta(days=31), now + timedelta(days=62))
    await store.purge(before=now - timedelta(days=retention_days))
