"""The cheap "sold out" gate in front of a flash deal.

Most of a stampede gets "sold out"; this answers that without touching the database.
The gate only ever says "no" early: a "yes" still goes through the database's conditional
UPDATE, which is the source of truth. In distributed mode the counter lives in Redis (one
atomic Lua script), shared by every worker; without Redis it is a per-process counter.
If Redis is unreachable the gate answers "don't know" and the database path decides.

The gate also remembers which attempts it let through (a digest of the caller's token and
Idempotency-Key). That is what lets the edge (selling/edge.py) answer "sold out" before any
other work without breaking idempotent retries: a retry of an admitted attempt always takes
the full path, where it replays its original answer; any other attempt on an exhausted deal
could only be refused. The memory is only trusted
when it is complete, i.e. it started with the deal before any unit was held; a counter
rebuilt after Redis lost it (or after a process restart) switches the edge off for the deal.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from liveshop.metrics import GATE_FALLBACKS

log = logging.getLogger(__name__)
# Units left, and whether the deal is pristine (no unit was ever held).
Loader = Callable[[], Awaitable[tuple[int, bool]]]
DAY = 86_400

# KEYS: counter, admitted list. ARGV: units wanted, who.
# -2: not initialised, -1: not enough left, else units left after taking.
_TAKE = """
local left = redis.call('GET', KEYS[1])
if not left then return -2 end
if tonumber(left) < tonumber(ARGV[1]) then return -1 end
if redis.call('RPUSH', KEYS[2], ARGV[2]) == 1 then redis.call('EXPIRE', KEYS[2], 86400) end
return redis.call('DECRBY', KEYS[1], ARGV[1])
"""
_GIVE = """
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCRBY', KEYS[1], ARGV[1]) end
return -2
"""
# KEYS: counter, admitted list, generation. ARGV: units left, generation ('' = incomplete).
# NX keeps the first of several racing initialisers; only that one resets the memory.
_INIT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', 86400) then
  redis.call('DEL', KEYS[2])
  if ARGV[2] ~= '' then redis.call('SET', KEYS[3], ARGV[2], 'EX', 86400)
  else redis.call('DEL', KEYS[3]) end
end
return 1
"""
# KEYS: counter, admitted list, generation. ARGV: first unseen index, the generation seen.
_VIEW = """
local left = redis.call('GET', KEYS[1])
local gen = redis.call('GET', KEYS[3])
local new = {}
if gen then
  local from = 0
  if gen == ARGV[2] then from = tonumber(ARGV[1]) end
  new = redis.call('LRANGE', KEYS[2], from, -1)
end
return {left or false, gen or false, new}
"""


def attempt(token: str, key: str | None) -> str:
    """Who is buying, as the gate remembers it: the caller's token with the request's key."""
    return hashlib.sha256(f"{token}\n{key or ''}".encode()).hexdigest()


class DealGate(Protocol):
    async def try_take(self, deal_id: int, quantity: int, load: Loader, who: str) -> bool | None:
        """True: go on to the database. False: sold out. None: unknown, ask the database."""
        ...

    async def give_back(self, deal_id: int, quantity: int) -> None: ...

    async def surely_sold_out(self, deal_id: int, who: str) -> bool:
        """True only when certain that nothing is left and `who` was never let through."""
        ...

    async def close(self) -> None: ...


class LocalGate:
    def __init__(self) -> None:
        self._left: dict[int, int] = {}
        self._admitted: dict[int, set[str]] = {}
        self._complete: set[int] = set()
        self._lock = asyncio.Lock()

    async def try_take(self, deal_id: int, quantity: int, load: Loader, who: str) -> bool | None:
        if deal_id not in self._left:
            async with self._lock:
                if deal_id not in self._left:
                    left, pristine = await load()
                    self._admitted[deal_id] = set()
                    if pristine:
                        self._complete.add(deal_id)
                    self._left[deal_id] = left
        if self._left[deal_id] < quantity:
            return False
        self._left[deal_id] -= quantity
        self._admitted[deal_id].add(who)
        return True

    async def give_back(self, deal_id: int, quantity: int) -> None:
        if deal_id in self._left:
            self._left[deal_id] += quantity

    async def surely_sold_out(self, deal_id: int, who: str) -> bool:
        return (
            deal_id in self._complete
            and self._left[deal_id] <= 0
            and who not in self._admitted[deal_id]
        )

    async def close(self) -> None:
        self._left.clear()
        self._admitted.clear()
        self._complete.clear()


@dataclass
class _View:
    """One process's recent copy of a deal's counter and admitted callers."""

    left: int | None = None
    generation: bytes = b""
    admitted: set[bytes] = field(default_factory=set)
    next_index: int = 0  # the admitted list may repeat a caller; this counts its entries
    fetched_at: float = float("-inf")  # when the data was asked for
    marks: int = 0  # bumped when this process knows the data changed
    refresh: asyncio.Future[None] | None = None


class RedisGate:
    # A view older than VIEW_SECONDS is refreshed (one refresh at a time, requests go on
    # with the current view meanwhile); one older than TRUST_SECONDS, or known to have
    # changed in this process, is refreshed before anyone is answered. Staleness only ever
    # sends a request down the full path, or tells a caller "sold out" shortly after another
    # process saw a unit come back.
    VIEW_SECONDS = 0.1
    TRUST_SECONDS = 1.0

    def __init__(self, url: str) -> None:
        # Short timeouts: a dead Redis must cost milliseconds, then the database decides.
        self.redis = aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self._take = self.redis.register_script(_TAKE)
        self._give = self.redis.register_script(_GIVE)
        self._init = self.redis.register_script(_INIT)
        self._view = self.redis.register_script(_VIEW)
        self._views: dict[int, _View] = {}

    @staticmethod
    def keys(deal_id: int) -> list[str]:
        prefix = f"liveshop:deal:{deal_id}"
        return [f"{prefix}:left", f"{prefix}:admitted", f"{prefix}:generation"]

    @staticmethod
    def key(deal_id: int) -> str:
        return RedisGate.keys(deal_id)[0]

    async def try_take(self, deal_id: int, quantity: int, load: Loader, who: str) -> bool | None:
        keys = self.keys(deal_id)
        try:
            result = int(await self._take(keys=keys[:2], args=[quantity, who]))
            if result == -2:
                # Missing after a restart (Redis keeps nothing on disk) or never set.
                left, pristine = await load()
                generation = uuid.uuid4().hex if pristine else ""
                await self._init(keys=keys, args=[left, generation])
                result = int(await self._take(keys=keys[:2], args=[quantity, who]))
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("deal gate unavailable, using the database path: %s", exc)
            GATE_FALLBACKS.labels("take").inc()
            return None
        if result == 0:  # we took the last unit: this process's next look should be fresh
            self._stale(deal_id)
        return result >= 0

    async def give_back(self, deal_id: int, quantity: int) -> None:
        self._stale(deal_id)
        try:
            await self._give(keys=[self.key(deal_id)], args=[quantity])
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("deal gate unavailable for give-back: %s", exc)

    def _stale(self, deal_id: int) -> None:
        # Keep the object (and any refresh in flight): replacing it would let every request
        # start its own refresh.
        if (view := self._views.get(deal_id)) is not None:
            view.fetched_at = float("-inf")
            view.marks += 1

    async def surely_sold_out(self, deal_id: int, who: str) -> bool:
        view = self._views.get(deal_id)
        if view is None:
            view = self._views[deal_id] = _View()
        age = time.monotonic() - view.fetched_at
        if age > self.VIEW_SECONDS:
            if view.refresh is None:
                view.refresh = asyncio.ensure_future(self._refresh(deal_id, view))
            if age > self.TRUST_SECONDS:
                # Too old to judge by (the first look after a quiet spell, or known to have
                # changed): wait for the one refresh. Under load the view is never this old,
                # and requests go on with the current view while it refreshes.
                try:
                    await asyncio.shield(view.refresh)
                except Exception:
                    return False  # the full path decides
        return (
            view.left is not None
            and view.left <= 0
            and view.generation != b""
            and who.encode() not in view.admitted
        )

    async def _refresh(self, deal_id: int, view: _View) -> None:
        asked_at, marks = time.monotonic(), view.marks
        try:
            left, generation, new = await self._view(
                keys=self.keys(deal_id), args=[view.next_index, view.generation]
            )
        except (TimeoutError, RedisError, OSError):
            GATE_FALLBACKS.labels("view").inc()
            view.left, view.generation = None, b""  # unknown: everyone takes the full path
            return
        finally:
            view.refresh = None
            # A change seen while asking may not be in the answer: then it is stale already.
            view.fetched_at = asked_at if view.marks == marks else float("-inf")
        generation = generation or b""
        if generation != view.generation:
            view.admitted, view.next_index = set(), 0
        view.admitted.update(new)
        view.next_index += len(new)
        view.generation = generation
        view.left = int(left) if left is not None else None

    async def close(self) -> None:
        self._views.clear()
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
