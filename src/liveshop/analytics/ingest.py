"""The per-process event buffer: recording never waits for the database.

Requests and the room append to a bounded in-memory buffer; one task per process writes it to
the store every `flush_seconds` or as soon as `flush_events` are waiting, in one bulk write
(COPY on PostgreSQL). A full buffer drops new events and counts them
(`liveshop_analytics_events_dropped_total`) rather than hold anyone up. Stopping the app
flushes what is left. Every event carries an id, and the store keeps one row per id, so a
batch written twice (a beacon retried, a flush retried after a timeout) counts once.

One recorder per process (`recorder`): the room, the order handlers and the beacon all reach
it without passing it around, and the app's lifespan starts and stops it.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prometheus_client import Counter, Gauge

from liveshop.analytics.events import RawRow, Row
from liveshop.analytics.store import EventStore
from liveshop.db import utcnow

log = logging.getLogger(__name__)

ACCEPTED = Counter("liveshop_analytics_events_total", "Analytics events taken into the buffer")
DROPPED = Counter(
    "liveshop_analytics_events_dropped_total",
    "Analytics events dropped because the buffer was full (or recording was stopped)",
    ["reason"],
)
WRITTEN = Counter("liveshop_analytics_events_written_total", "Analytics events stored")
FLUSH_FAILURES = Counter(
    "liveshop_analytics_flush_failures_total", "Buffer flushes that failed (and were retried)"
)
BUFFERED = Gauge(
    "liveshop_analytics_buffered_events",
    "Events waiting in the buffer",
    multiprocess_mode="livesum",
)

_ids = itertools.count()
_prefix = f"{os.getpid():x}{uuid.uuid4().hex[:8]}"


def new_id() -> str:
    """A unique event id for a server-side event (cheaper than a UUID per like)."""
    return f"s{_prefix}{next(_ids):x}"


@dataclass
class Watch:
    """One viewer's socket on one show: heartbeats carry the seconds watched since the last."""

    show_id: int
    viewer: str
    since: float
    ended: bool = False


class Recorder:
    def __init__(self) -> None:
        self.capacity = 100_000
        self.flush_events = 5_000
        self.flush_seconds = 1.0
        self.heartbeat_seconds = 30.0
        self.store: EventStore | None = None
        self._buf: list[RawRow] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()
        self._watches: dict[int, Watch] = {}
        self._last_beat = time.monotonic()

    @property
    def running(self) -> bool:
        return self.store is not None

    def configure(
        self,
        *,
        capacity: int,
        flush_events: int,
        flush_seconds: float,
        heartbeat_seconds: float,
    ) -> None:
        self.capacity, self.flush_events = capacity, flush_events
        self.flush_seconds, self.heartbeat_seconds = flush_seconds, heartbeat_seconds

    async def start(self, store: EventStore) -> None:
        if self._task is not None:
            await self.stop()
        self.store = store
        self._buf = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        """Stop the flush loop and write everything still buffered (a graceful stop)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for watch in list(self._watches.values()):
            self.end_watch(watch)
        for _attempt in range(3):
            try:
                await self.flush()
                break
            except Exception:
                log.exception("final analytics flush failed")
                await asyncio.sleep(0.2)
        if self._buf:
            DROPPED.labels("stopped").inc(len(self._buf))
            self._buf = []
        BUFFERED.set(0)
        self.store = None

    # --- recording (never awaits) ---------------------------------------------------------

    def add(self, rows: list[RawRow]) -> int:
        """Buffer `rows`; those that do not fit are dropped and counted. Returns how many fit."""
        if self.store is None:
            return 0
        room = self.capacity - len(self._buf)
        taken = rows if len(rows) <= room else rows[: max(room, 0)]
        if len(taken) < len(rows):
            DROPPED.labels("buffer_full").inc(len(rows) - len(taken))
        if taken:
            self._buf.extend(taken)
            ACCEPTED.inc(len(taken))
            if len(self._buf) >= self.flush_events:
                self._wake.set()
        return len(taken)

    def record(
        self,
        kind: str,
        *,
        show_id: int | None = None,
        market: str | None = None,
        shop_id: int | None = None,
        product_id: int | None = None,
        viewer: str | None = None,
        value: int = 0,
        qty: int = 0,
        currency: str | None = None,
        id: str | None = None,
        at: datetime | None = None,
    ) -> None:
        """Record one server-side event now (or at `at`)."""
        if self.store is None:
            return
        self.add(
            [
                Row(
                    id or new_id(),
                    at or utcnow(),
                    kind,
                    market,
                    show_id,
                    shop_id,
                    product_id,
                    viewer,
                    value,
                    qty,
                    currency,
                )
            ]
        )

    def sample_viewers(self, show_id: int, count: int) -> None:
        """The room's concurrent audience now. An empty room adds no sample: the average is
        over the time anyone watched."""
        if count > 0:
            self.record("viewers", show_id=show_id, value=count)

    def later(self, kind: str, **fields: Any) -> Callable[[], Awaitable[None]]:
        """`record` as an after-commit hook: the event only if the change it reports is kept."""
        at = utcnow()

        async def hook() -> None:
            self.record(kind, at=at, **fields)

        return hook

    def start_watch(self, show_id: int, viewer: str) -> Watch:
        """A viewer's socket opened: a view starts; heartbeats follow until `end_watch`."""
        watch = Watch(show_id=show_id, viewer=viewer, since=time.monotonic())
        self._watches[id(watch)] = watch
        self.record("view_start", show_id=show_id, viewer=viewer)
        return watch

    def end_watch(self, watch: Watch) -> None:
        if watch.ended:
            return
        watch.ended = True
        self._watches.pop(id(watch), None)
        seconds = round(time.monotonic() - watch.since)
        self.record("view_end", show_id=watch.show_id, viewer=watch.viewer, value=seconds)

    def _heartbeats(self) -> None:
        now = time.monotonic()
        if now - self._last_beat < self.heartbeat_seconds:
            return
        self._last_beat = now
        for watch in list(self._watches.values()):
            seconds = int(now - watch.since)
            watch.since += seconds  # keep the fraction for the next beat, so nothing is lost
            self.record("heartbeat", show_id=watch.show_id, viewer=watch.viewer, value=seconds)

    # --- writing ----------------------------------------------------------------------------

    async def flush(self) -> int:
        """Write what is buffered now; on failure it goes back to the buffer (bounded)."""
        async with self._lock:
            rows, self._buf = self._buf, []
            self._wake.clear()
            if not rows or self.store is None:
                self._buf = rows + self._buf
                return 0
            try:
                stored = await self.store.write(rows)
            except BaseException:
                FLUSH_FAILURES.inc()
                keep = rows[: max(self.capacity - len(self._buf), 0)]
                if len(keep) < len(rows):
                    DROPPED.labels("buffer_full").inc(len(rows) - len(keep))
                self._buf = keep + self._buf
                raise
            WRITTEN.inc(stored)
            BUFFERED.set(len(self._buf))
            return stored

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.flush_seconds)
            self._heartbeats()
            try:
                await self.flush()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("analytics flush failed; retrying")
                await asyncio.sleep(self.flush_seconds)


recorder = Recorder()
