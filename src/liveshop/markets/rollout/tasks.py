"""The job that applies scheduled rollout changes when they fall due.

It runs under the worker's lease like the other jobs; each change is claimed by a conditional
status update in its own unit of work, so two workers (or a retry after a crash) apply it once.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime

from liveshop import metrics
from liveshop.broker import Broker
from liveshop.db import Database
from liveshop.markets.rollout import service as rollout
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)
INTERVAL_SECONDS = 1.0


async def apply_due(db: Database, broker: Broker, *, now: datetime | None = None) -> int:
    """Apply every change due by `now`; how many this caller applied."""
    async with UnitOfWork(db=db, broker=broker, write=False) as uow:
        due = await rollout.due_ids(session=uow.session, now=now)
    applied = 0
    for change_id in due:
        async with UnitOfWork(db=db, broker=broker) as uow:
            if await rollout.apply_scheduled(session=uow.session, change_id=change_id):
                await uow.commit()
                applied += 1
                log.info("rollout change %s applied", change_id)
    return applied


async def run_rollout_schedule(db: Database, broker: Broker, interval: float) -> None:
    """Forever: apply due changes, then sleep. A change lands within `interval` of its time."""
    while True:
        try:
            with metrics.sweep("rollout"):
                await apply_due(db, broker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("rollout schedule pass failed")
        await asyncio.sleep(interval)
