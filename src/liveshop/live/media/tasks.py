"""The media monitor: stream health from nginx's stat page, replay building, ending shows.

Every few seconds, for each live show that came in through the hooks: sample its bitrate,
fold the live playlist into the replay, close sessions nginx has lost, and end the show once
its encoder has been gone past the reconnect grace. Each show gets its own unit of work and
row lock, so several workers can run the monitor at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta

import httpx
from sqlalchemy import select

from liveshop import metrics
from liveshop.broker import Broker
from liveshop.db import Database, utcnow
from liveshop.live.media import hooks
from liveshop.live.media import nginx as media
from liveshop.live.media.models import StreamSession
from liveshop.live.media.nginx import StreamStat, fetch_streams
from liveshop.live.shows.models import Show, ShowStatus
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class Monitor:
    """Keeps each open session's last byte count: a bitrate within seconds, not nginx's 10 s."""

    db: Database
    broker: Broker
    settings: Settings
    samples: dict[int, tuple[float, int]] = field(default_factory=dict)
    client: httpx.AsyncClient | None = None

    async def tick(self) -> None:
        async with UnitOfWork(db=self.db, broker=self.broker, write=False) as uow:
            stmt = select(Show.id).where(Show.status == ShowStatus.live.value).order_by(Show.id)
            live_ids = list((await uow.session.execute(stmt)).scalars())
        if not live_ids:
            self.samples.clear()
            return
        streams = None
        if self.settings.media_enabled:
            if self.client is None:
                self.client = httpx.AsyncClient()
            streams = await fetch_streams(self.settings, client=self.client)
        before, self.samples = self.samples, {}
        for show_id in live_ids:
            try:
                await self._check_show(show_id, streams, before)
            except Exception:  # One show's trouble must not stop the others being watched.
                log.exception("media monitor failed on show %s", show_id)

    async def _check_show(
        self,
        show_id: int,
        streams: dict[str, StreamStat] | None,
        before: dict[int, tuple[float, int]],
    ) -> None:
        settings = self.settings
        async with UnitOfWork(db=self.db, broker=self.broker) as uow:
            show = await hooks.lock_show(uow.session, show_id)
            if show.status != ShowStatus.live:
                return
            rows = await hooks.open_sessions(session=uow.session, show_id=show_id)
            if rows:
                await asyncio.to_thread(media.merge_replay, settings, show_id, final=False)
                stat = streams.get(media.stream_name(show_id)) if streams is not None else None
                row = rows[0]
                if stat is not None:
                    self._record_bitrate(row, stat, before.get(row.id))
                elif streams is not None and self._past_startup(row):
                    hooks.close_session(row, "lost")
            await hooks.finish_if_due(uow=uow, settings=settings, show=show)
            await uow.commit()

    def _past_startup(self, row: StreamSession) -> bool:
        # nginx lists the stream only once our on_publish answer reached it.
        margin = max(5.0, 2 * self.settings.media_poll_seconds)
        return row.started_at < utcnow() - timedelta(seconds=margin)

    def _record_bitrate(
        self, row: StreamSession, stat: StreamStat, previous: tuple[float, int] | None
    ) -> None:
        now = time.monotonic()
        self.samples[row.id] = (now, stat.bytes_in)  # samples of ended sessions drop out here
        kbps: int | None = None
        if previous is not None and now > previous[0] and stat.bytes_in >= previous[1]:
            kbps = round((stat.bytes_in - previous[1]) * 8 / (now - previous[0]) / 1000)
        elif stat.bw_in > 0:
            kbps = round(stat.bw_in / 1000)
        if kbps is None:
            return
        row.bitrate_kbps = kbps
        row.max_bitrate_kbps = max(row.max_bitrate_kbps or 0, kbps)


async def run_media_monitor(db: Database, broker: Broker, settings: Settings) -> None:
    """Tick the monitor every `media_poll_seconds` until cancelled."""
    monitor = Monitor(db=db, broker=broker, settings=settings)
    try:
        while True:
            try:
                with metrics.sweep("media"):
                    await monitor.tick()
            except Exception:  # e.g. the database restarting: try again next tick
                log.exception("media monitor tick failed")
            await asyncio.sleep(settings.media_poll_seconds)
    finally:
        if monitor.client is not None:
            await monitor.client.aclose()
