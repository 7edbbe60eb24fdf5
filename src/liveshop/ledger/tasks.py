"""The ledger's background job: settle due orders and release due reserves, forever.

It runs under the worker's "jobs" lease, and each pass is safe on several workers anyway
(settlement.py). Payout runs are not automatic: an operator starts them (admin page, API or
`liveshop ledger payout`), so money leaves only when someone decided it should.
"""

from __future__ import annotations

import asyncio
import logging

from liveshop import metrics
from liveshop.broker import Broker
from liveshop.db import Database
from liveshop.ledger import settlement
from liveshop.ledger.terms import Terms
from liveshop.settings import Settings

log = logging.getLogger(__name__)


async def run_ledger_tasks(db: Database, broker: Broker, settings: Settings) -> None:
    terms = Terms.of(settings)
    # Settlement is counted in days: a pass every few sweeps is plenty.
    interval = settings.sweep_interval_seconds * 5
    while True:
        try:
            with metrics.sweep("ledger"):
                await settlement.settle_due(db, broker, terms)
                await settlement.release_reserves(db, broker)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("ledger sweep failed")
        await asyncio.sleep(interval)
