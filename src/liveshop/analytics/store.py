"""Where raw events live, behind a small interface (`EventStore`), so a deployment can move
them to a column store (ClickHouse, see the README) without touching ingest or the reports.

`SqlEventStore` is the built-in one: PostgreSQL (COPY into a session-local staging table, then
one INSERT … ON CONFLICT DO NOTHING into the month-partitioned table) or SQLite (one
`INSERT OR IGNORE` executemany through the single writer).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import delete, func, select, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from liveshop.analytics.events import COLUMNS, RawRow, Row
from liveshop.analytics.models import AnalyticsEvent
from liveshop.db import Database, sessionmaker_for


class EventStore(Protocol):
    async def write(self, rows: Sequence[RawRow]) -> int:
        """Store `rows`, skipping ids already stored; returns how many were new."""

    async def read(self, *, after: int, upto: int | None, limit: int) -> list[tuple[int, Row]]:
        """Events with `after < seq <= upto`, in `seq` order: what the rollups have not seen."""

    async def last_seq(self) -> int: ...

    async def purge(self, *, before: datetime) -> int:
        """Forget raw events older than `before` (the retention)."""


_STAGE = """
CREATE TEMP TABLE IF NOT EXISTS analytics_stage (
    id varchar(40), at timestamptz, kind varchar(20), market varchar(2), show_id integer,
    shop_id integer, product_id integer, viewer varchar(64), value bigint, qty integer,
    currency varchar(3)
) ON COMMIT DELETE ROWS
"""
_COLS = ", ".join(COLUMNS)
_MOVE = (
    f"INSERT INTO analytics_events ({_COLS}) SELECT {_COLS} FROM analytics_stage "
    "ON CONFLICT DO NOTHING"
)


def month_start(at: datetime) -> datetime:
    return datetime(at.year, at.month, 1, tzinfo=UTC)


def next_month(at: datetime) -> datetime:
    return datetime(at.year + at.month // 12, at.month % 12 + 1, 1, tzinfo=UTC)


def partition_name(month: datetime) -> str:
    return f"analytics_events_{month:%Y_%m}"


class SqlEventStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.pg = not db.is_sqlite

    async def write(self, rows: Sequence[RawRow]) -> int:
        if not rows:
            return 0
        if self.pg:
            return await self._write_pg(rows)
        return await self._write_sqlite(rows)

    async def _write_pg(self, rows: Sequence[RawRow]) -> int:
        async with self.db.write.connect() as conn:
            raw = await conn.get_raw_connection()
            apg: Any = raw.driver_connection
            async with apg.transaction():
                await apg.execute(_STAGE)
                await apg.copy_records_to_table("analytics_stage", records=rows, columns=COLUMNS)
                status: str = await apg.execute(_MOVE)
        return int(status.rsplit(" ", 1)[-1])

    async def _write_sqlite(self, rows: Sequence[RawRow]) -> int:
        async with sessionmaker_for(self.db.write)() as session:
            # One writer (BEGIN IMMEDIATE), so numbering from the current maximum is safe.
            top = (await session.execute(select(func.max(AnalyticsEvent.seq)))).scalar() or 0
            values = [
                {"seq": top + i + 1, **dict(zip(COLUMNS, r, strict=True))}
                for i, r in enumerate(rows)
            ]
            stmt = sqlite_insert(AnalyticsEvent).on_conflict_do_nothing()
            result = await session.execute(stmt, values)
            await session.commit()
            return int(getattr(result, "rowcount", 0) or 0)

    async def read(self, *, after: int, upto: int | None, limit: int) -> list[tuple[int, Row]]:
        t = AnalyticsEvent
        stmt = select(t.seq, *(getattr(t, c) for c in COLUMNS)).where(t.seq > after)
        if upto is not None:
            stmt = stmt.where(t.seq <= upto)
        stmt = stmt.order_by(t.seq).limit(limit)
        async with self.db.read.connect() as conn:
            result = await conn.execute(stmt)
            return [(r[0], Row._make(r[1:])) for r in result.all()]

    async def last_seq(self) -> int:
        async with self.db.read.connect() as conn:
            found = (await conn.execute(select(func.max(AnalyticsEvent.seq)))).scalar()
        return int(found or 0)

    async def purge(self, *, before: datetime) -> int:
        dropped = 0
        if self.pg:
            dropped = await self._drop_partitions(before)
        async with sessionmaker_for(self.db.write)() as session:
            result = await session.execute(delete(AnalyticsEvent).where(AnalyticsEvent.at < before))
            await session.commit()
        return dropped + int(getattr(result, "rowcount", 0) or 0)

    async def _drop_partitions(self, before: datetime) -> int:
        """Whole months older than the retention go at once (no row-by-row delete)."""
        async with self.db.write.begin() as conn:
            names = (
                await conn.execute(
                    text(
                        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
                        " JOIN pg_class p ON p.oid = i.inhparent"
                        " WHERE p.relname = 'analytics_events'"
                    )
                )
            ).scalars()
            gone = 0
            for name in names:
                if not name.startswith("analytics_events_2"):
                    continue
                year, month = int(name[17:21]), int(name[22:24])
                if next_month(datetime(year, month, 1, tzinfo=UTC)) <= before:
                    await conn.execute(text(f'DROP TABLE "{name}"'))
                    gone += 1
            return gone

    async def ensure_partitions(self, start: datetime, end: datetime) -> None:
        """Monthly partitions covering [start, end] (PostgreSQL; rows elsewhere go to default)."""
        if not self.pg:
            return
        month = month_start(start)
        while month <= end:
            name = partition_name(month)
            async with self.db.write.begin() as conn:
                exists = (await conn.execute(text("SELECT to_regclass(:n)"), {"n": name})).scalar()
                if exists is None:
                    upper = next_month(month)
                    try:
                        async with conn.begin_nested():
                            await conn.execute(
                                text(
                                    f'CREATE TABLE "{name}" PARTITION OF analytics_events'
                                    f" FOR VALUES FROM ('{month.isoformat()}')"
                                    f" TO ('{upper.isoformat()}')"
                                )
                            )
                    except Exception:  # rows of that month already sit in the default partition
                        pass
            month = next_month(month)
