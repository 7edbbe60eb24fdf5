"""Rate limits for any entry point (logins, sign-ups, resets; later tokens and bids).

One `Limiter` per process, on `app.state.limiter`: counters live in memory in embedded mode and
in Redis when it is configured, so every worker process shares them. A rule is a `limits`
string such as "10/minute;100/hour"; a key is what is counted ("login:ip", "203.0.113.9").
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import redis.asyncio as aioredis
from fastapi import Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from liveshop.errors import Problem


@dataclass(frozen=True)
class Rule:
    """A named rule applied to one key, e.g. Rule("login:ip", "30/minute", "203.0.113.9")."""

    scope: str
    limits: str
    key: str


class Limiter:
    def __init__(self, redis_url: str | None = None) -> None:
        self._pool: aioredis.ConnectionPool | None = None
        storage: Storage
        if redis_url:
            # A few connections, waited for: a flood's first burst would otherwise open one per
            # request at once, and that set-up is what stalls the event loop.
            self._pool = aioredis.BlockingConnectionPool.from_url(
                redis_url, max_connections=8, timeout=5
            )
            storage = RedisStorage(
                "async+" + redis_url,
                implementation="redispy",
                key_prefix="liveshop:limits",
                # Ours, so that close() can release it; limits types options narrower than
                # it reads them (use_basic pops connection_pool).
                connection_pool=self._pool,  # type: ignore[arg-type]
            )
        else:
            storage = MemoryStorage()
        self._strategy = MovingWindowRateLimiter(storage)
        self._parsed: dict[str, list[RateLimitItem]] = {}
        self._blocked: dict[tuple[str, str, str], float] = {}  # (scope, key, item) -> until

    def _items(self, rule: str) -> list[RateLimitItem]:
        items = self._parsed.get(rule)
        if items is None:
            items = self._parsed[rule] = parse_many(rule)
        return items

    async def hit(self, rules: Sequence[Rule]) -> float | None:
        """Count one attempt against every rule; the seconds to wait when one is exceeded."""
        wait: float | None = None
        now = time.time()
        for rule in rules:
            for item in self._items(rule.limits):
                slot = (rule.scope, rule.key, str(item))
                until = self._blocked.get(slot, 0.0)
                if until > now:
                    # A full moving window frees nothing before its oldest entry expires, and a
                    # refused hit adds no entry: refusing here is exact, and a flood's repeats
                    # cost no storage round trip.
                    wait = max(wait or 0.0, until - now, 1.0)
                    continue
                if not await self._strategy.hit(item, rule.scope, rule.key):
                    stats = await self._strategy.get_window_stats(item, rule.scope, rule.key)
                    self._block(slot, stats.reset_time)
                    wait = max(wait or 0.0, stats.reset_time - now, 1.0)
        return wait

    def _block(self, slot: tuple[str, str, str], until: float) -> None:
        if len(self._blocked) >= 10_000:  # keep the cache small: drop what has expired
            now = time.time()
            self._blocked = {k: v for k, v in self._blocked.items() if v > now}
        self._blocked[slot] = until

    async def check(self, rules: Sequence[Rule]) -> None:
        """Count one attempt; raise 429 `rate_limited` with Retry-After when over a limit."""
        wait = await self.hit(rules)
        if wait is not None:
            raise too_many(wait)

    async def clear(self, rules: Sequence[Rule]) -> None:
        for rule in rules:
            for item in self._items(rule.limits):
                self._blocked.pop((rule.scope, rule.key, str(item)), None)
                await self._strategy.clear(item, rule.scope, rule.key)

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.aclose()


def too_many(wait: float, detail: str = "Too many attempts; try again later.") -> Problem:
    seconds = max(1, math.ceil(wait))
    return Problem(
        429,
        "rate_limited",
        detail,
        retry_after=seconds,
        headers={"Retry-After": str(seconds)},
    )


def client_ip(request: Request) -> str:
    """The peer address (uvicorn's --proxy-headers puts the real client here behind a proxy)."""
    return request.client.host if request.client else "unknown"


def limiter_of(request: Request) -> Limiter:
    limiter: Limiter = request.app.state.limiter
    return limiter
