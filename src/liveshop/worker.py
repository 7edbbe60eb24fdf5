"""The background jobs: hold expiry and deal timers, auctions and giveaways, media health.

`liveshop worker` runs them; `liveshop serve` runs them in-process only in embedded mode
(settings.runs_jobs_in_web). However many processes run them, one lease ("jobs") decides
which one works: the others stand by and take over within a lease time if it dies. Every job
pass is safe to repeat (each row changes under its own lock and status check), so a holder
killed mid-pass leaves nothing half done that the next one cannot finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Coroutine
from typing import Any

from liveshop import leases
from liveshop.affiliates.tasks import run_affiliate_tasks
from liveshop.analytics.rollup import run_rollups
from liveshop.broker import Broker
from liveshop.db import Database
from liveshop.integrations.webhooks.delivery import run_webhook_delivery
from liveshop.ledger.tasks import run_ledger_tasks
from liveshop.live.media.tasks import run_media_monitor
from liveshop.markets.rollout.tasks import run_rollout_schedule
from liveshop.orders.tasks import run_sweeper
from liveshop.selling.tasks import run_deal_timers, run_promo_tasks
from liveshop.settings import Settings

log = logging.getLogger(__name__)
LEASE = "jobs"


def holder_id() -> str:
    """Who holds the lease, readable by an operator: host, process, and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _jobs(db: Database, broker: Broker, settings: Settings) -> list[Coroutine[Any, Any, None]]:
    return [
        run_sweeper(db, broker, settings.sweep_interval_seconds),
        run_deal_timers(db, broker, settings.sweep_interval_seconds),
        run_promo_tasks(db, broker, settings),
        run_media_monitor(db, broker, settings),
        run_rollups(
            db,
            interval=settings.analytics_rollup_seconds,
            settle_seconds=settings.analytics_settle_seconds,
            retention_days=settings.analytics_retention_days,
        ),
        run_rollout_schedule(db, broker, settings.sweep_interval_seconds),
        run_ledger_tasks(db, broker, settings),
        run_affiliate_tasks(db, broker, settings),
        run_webhook_delivery(db, broker, settings),
    ]


async def run_jobs(db: Database, broker: Broker, settings: Settings) -> None:
    """Forever: hold the lease and run the jobs, or stand by while another process does."""
    me, seconds = holder_id(), settings.job_lease_seconds
    running: list[asyncio.Task[None]] = []
    try:
        while True:
            try:
                held = await leases.hold(db, name=LEASE, holder=me, seconds=seconds)
            except Exception:  # the database is away: we cannot prove we still hold it
                log.exception("job lease renewal failed")
                held = False
            if held and not running:
                log.info("background jobs start here (%s)", me)
                running = [asyncio.create_task(job) for job in _jobs(db, broker, settings)]
            elif not held and running:
                log.warning("background jobs stop here: the lease is held elsewhere")
                await _cancel(running)
                running = []
            await asyncio.sleep(seconds / 3)
    finally:
        await _cancel(running)
        if running:
            with contextlib.suppress(Exception):
                await leases.release(db, name=LEASE, holder=me)


async def _cancel(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    for task in tasks:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
