"""The per-process room hub: numbering, coalescing and fan-out of room events."""

from __future__ import annotations

from liveshop.broker import Broker
from liveshop.db import Database
from liveshop.settings import Settings


class RoomHub:
    def __init__(self, *, broker: Broker, db: Database, settings: Settings) -> None:
        self.broker, self.db, self.settings = broker, db, settings

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None
