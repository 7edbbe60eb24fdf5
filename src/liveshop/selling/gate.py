"""The cheap "sold out" gate in front of a flash deal.

Most of a stampede gets "sold out"; this answers that without touching the database.
The gate only ever says "no" early: a "yes" still goes through the database's conditional
UPDATE, which is the source of truth. In distributed mode the counter lives in Redis (one
atomic Lua script), shared by every worker; without Redis it is a per-process counter.
If Redis is unreachable the gate answers "don't know" and the database path decides.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)
Loader = Callable[[], Awaitable[int]]

# KEYS[1] = counter; ARGV[1] = units wanted. -2: not initialised, -1: not enough left.
_TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return -2 end
if tonumber(left) < tonumber(ARGV[1]) then return -1 end
return redis.call('DECRBY', KEYS[1], ARGV[1])
"""
_GIVE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return -2
"""


class DealGate(Protocol):
    async def try_take(self, deal_id: int, quantity: int, load: Loader) -> bool | None:
        """True: go on to the database. False: sold out. None: unknown, ask the database."""
        ...

    async def give_back(self, deal_id: int, quantity: int) -> None: ...

    async def close(self) -> None: ...


class LocalGate:
    def __init__(self) -> None:
        self._left: dict[int, int] = {}
        self._lock = asyncio.Lock()

    async def try_take(self, deal_id: int, quantity: int, load: Loader) -> bool | None:
        if deal_id not in self._left:
            async with self._lock:
                if deal_id not in self._left:
                    self._left[deal_id] = await load()
        if self._left[deal_id] < quantity:
            return False
        self._left[deal_id] -= quantity
        return True

    async def give_back(self, deal_id: int, quantity: int) -> None:
        if deal_id in self._left:
            self._left[deal_id] += quantity

    async def close(self) -> None:
        self._left.clear()


class RedisGate:
    def __init__(self, url: str) -> None:
        # Short timeouts: a dead Redis must cost milliseconds, then the database decides.
        self.redis = aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._take = self.redis.register_script(_TAKE)
        self._give = self.redis.register_script(_GIVE)

    @staticmethod
    def key(deal_id: int) -> str:
        return f"liveshop:deal:{deal_id}:left"

    async def try_take(self, deal_id: int, quantity: int, load: Loader) -> bool | None:
        key = self.key(deal_id)
        try:
            result = int(await self._take(keys=[key], args=[quantity]))
            if result == -2:
                # Missing after a restart (Redis keeps nothing on disk) or never set: rebuild
                # from the database; NX keeps the first of several racing initialisers.
                await self.redis.set(key, await load(), nx=True, ex=86_400)
                result = int(await self._take(keys=[key], args=[quantity]))
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("deal gate unavailable, using the database path: %s", exc)
            return None
        return result >= 0

    async def give_back(self, deal_id: int, quantity: int) -> None:
        try:
            await self._give(keys=[self.key(deal_id)], args=[quantity])
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("deal gate unavailable for give-back: %s", exc)

    async def close(self) -> None:
        await self.redis.aclose()


_current: DealGate | None = None


def install(gate: DealGate) -> None:
    global _current
    _current = gate


def current() -> DealGate:
    """The process's gate (installed by the app; a local one when none was)."""
    global _current
    if _current is None:
        _current = LocalGate()
    return _current


def create(redis_url: str | None) -> DealGate:
    return RedisGate(redis_url) if redis_url else LocalGate()
