"""The affiliates' background job: remind showcase holders of a rate cut 2 days before it."""

from __future__ import annotations

import asyncio
import logging

from liveshop import metrics
from liveshop.affiliates import service
from liveshop.broker import Broker
from liveshop.db import Database
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork

log = logging.getLogger(__name__)


async def remind_once(db: Database, broker: Broker) -> int:
    async with UnitOfWork(db=db, broker=broker) as uow:
        n = await service.remind_cuts(session=uow.session)
        await uow.commit()
    return n


async def run_affiliate_tasks(db: Database, broker: Broker, settings: Settings) -> None:
    # Reminders are counted in days: a pass every few sweeps is plenty.
    interval = settings.sweep_interval_seconds * 5
    while True:
        try:
            with metrics.sweep("affiliates"):
                await remind_once(db, broker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("affiliates sweep failed")
        await asyncio.sleep(interval)
