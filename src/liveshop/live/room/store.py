"""Room-wide numbering, resume history and counters: Redis when configured, in-process otherwise.

Numbering happens at publish time, atomically with appending to the bounded history and with
the PUBLISH itself (one Lua script), so every process sees the same `seq` for the same event,
in order, and a viewer may resume on any process.
"""

from __future__ import annotations

import json
import time
import weakref
from collections import defaultdict, deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import redis.asyncio as aioredis

from liveshop.broker import Broker


def room_channel(show_id: int) -> str:
    return f"room:{show_id}"


HISTORY = 1000  # events kept per room for resuming; settings.room_history_events overrides
KEY_TTL = 2 * 24 * 3600  # room keys outlive any show, then clean themselves up
STALE_MS = 5000  # a process that stopped reporting viewers no longer counts


def encode(last: int, payloads: list[str]) -> str:
    return f'{{"seq":{last},"events":[{",".join(payloads)}]}}'


class RoomStore(Protocol):
    history: int

    async def publish(self, show_id: int, payloads: list[str]) -> int:
        """Number `payloads`, keep them in the history and broadcast; returns the last seq."""
        ...

    async def since(self, show_id: int, after: int) -> tuple[int, list[str] | None]:
        """(head, events after `after`); None when they already left the history."""
        ...

    async def head(self, show_id: int) -> int: ...

    async def add_likes(self, show_id: int, count: int) -> int: ...

    async def seed(self, show_id: int, *, likes: int, peak: int) -> None: ...

    async def report(self, show_id: int, proc: str, viewers: int) -> None: ...

    async def totals(self, show_id: int) -> tuple[int, int, int]:
        """(concurrent, peak, unique) viewers across every process."""
        ...

    async def add_unique(self, show_id: int, key: str) -> None: ...

    async def likes(self, show_id: int) -> int: ...

    async def lead(self, show_id: int, proc: str, ttl_ms: int) -> bool:
        """Take or keep the room's leadership (polling, totals, persisting)."""
        ...

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        """Count one action; seconds to wait when over `limit` per `window`, else None."""
        ...

    async def cooldown(self, key: str, seconds: float) -> float | None:
        """Start a cooldown; seconds left when one is already running, else None."""
        ...


# --- in-process ---------------------------------------------------------------------------


@dataclass
class _MemRoom:
    seq: int = 0
    events: deque[str] = field(default_factory=deque)
    likes: int = 0
    peak: int = 0
    viewers: dict[str, int] = field(default_factory=dict)
    uniques: set[str] = field(default_factory=set)


class MemoryRoomStore:
    def __init__(self, broker: Broker, history: int = HISTORY) -> None:
        # Weak, so the store (kept per broker in a WeakKeyDictionary) dies with its broker.
        self._broker, self.history = weakref.ref(broker), history
        self._rooms: dict[int, _MemRoom] = defaultdict(_MemRoom)
        self._windows: dict[str, tuple[float, int]] = {}
        self._cooldowns: dict[str, float] = {}

    async def publish(self, show_id: int, payloads: list[str]) -> int:
        # No await before broker.publish: numbering and delivery order cannot interleave.
        room = self._rooms[show_id]
        room.seq += len(payloads)
        room.events.extend(payloads)
        while len(room.events) > self.history:
            room.events.popleft()
        broker = self._broker()
        if broker is not None:
            await broker.publish(room_channel(show_id), encode(room.seq, payloads))
        return room.seq

    async def since(self, show_id: int, after: int) -> tuple[int, list[str] | None]:
        room = self._rooms[show_id]
        need = room.seq - after
        if need <= 0:
            return room.seq, []
        if need > len(room.events):
            return room.seq, None
        return room.seq, list(room.events)[-need:]

    async def head(self, show_id: int) -> int:
        return self._rooms[show_id].seq

    async def add_likes(self, show_id: int, count: int) -> int:
        room = self._rooms[show_id]
        room.likes += count
        return room.likes

    async def likes(self, show_id: int) -> int:
        return self._rooms[show_id].likes

    async def seed(self, show_id: int, *, likes: int, peak: int) -> None:
        room = self._rooms[show_id]
        room.likes, room.peak = max(room.likes, likes), max(room.peak, peak)

    async def report(self, show_id: int, proc: str, viewers: int) -> None:
        self._rooms[show_id].viewers[proc] = viewers

    async def totals(self, show_id: int) -> tuple[int, int, int]:
        room = self._rooms[show_id]
        now = sum(room.viewers.values())
        room.peak = max(room.peak, now)
        return now, room.peak, len(room.uniques)

    async def add_unique(self, show_id: int, key: str) -> None:
        self._rooms[show_id].uniques.add(key)

    async def lead(self, show_id: int, proc: str, ttl_ms: int) -> bool:
        return True

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        now = time.monotonic()
        start, count = self._windows.get(key, (now, 0))
        if now - start >= window:
            start, count = now, 0
        if count >= limit:
            return round(window - (now - start), 3)
        self._windows[key] = (start, count + 1)
        if len(self._windows) > 100_000:  # forget finished windows now and then
            self._windows = {k: v for k, v in self._windows.items() if now - v[0] < window}
        return None

    async def cooldown(self, key: str, seconds: float) -> float | None:
        now = time.monotonic()
        until = self._cooldowns.get(key, 0.0)
        if until > now:
            return round(until - now, 3)
        self._cooldowns[key] = now + seconds
        if len(self._cooldowns) > 100_000:
            self._cooldowns = {k: v for k, v in self._cooldowns.items() if v > now}
        return None


# --- Redis --------------------------------------------------------------------------------

_PUBLISH = """
local n = #ARGV - 3
local last = redis.call('INCRBY', KEYS[1], n)
for i = 4, #ARGV do redis.call('RPUSH', KEYS[2], ARGV[i]) end
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('EXPIRE', KEYS[2], ARGV[3])
local msg = '{"seq":' .. last .. ',"events":[' .. table.concat(ARGV, ',', 4) .. ']}'
redis.call('PUBLISH', ARGV[1], msg)
return last
"""

_SINCE = """
local head = tonumber(redis.call('GET', KEYS[1]) or '0')
local need = head - tonumber(ARGV[1])
if need <= 0 then return {head, 1, {}} end
if need > redis.call('LLEN', KEYS[2]) then return {head, 0, {}} end
return {head, 1, redis.call('LRANGE', KEYS[2], -need, -1)}
"""

_REPORT = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. now)
redis.call('EXPIRE', KEYS[1], ARGV[3])
return now
"""

_TOTALS = """
local t = redis.call('TIME')
local now = t[1] * 1000 + math.floor(t[2] / 1000)
local rows = redis.call('HGETALL', KEYS[1])
local sum = 0
for i = 1, #rows, 2 do
  local c, ts = string.match(rows[i + 1], '(%d+):(%d+)')
  if now - tonumber(ts) <= tonumber(ARGV[1]) then sum = sum + tonumber(c)
  else redis.call('HDEL', KEYS[1], rows[i]) end
end
local peak = tonumber(redis.call('GET', KEYS[2]) or '0')
if sum > peak then
  peak = sum
  redis.call('SET', KEYS[2], peak, 'EX', ARGV[2])
end
return {sum, peak, redis.call('PFCOUNT', KEYS[3])}
"""

_LEAD = """
local cur = redis.call('GET', KEYS[1])
if cur == false or cur == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
"""

_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
if n > tonumber(ARGV[1]) then return redis.call('PTTL', KEYS[1]) end
return -1
"""


class RedisRoomStore:
    def __init__(self, redis: aioredis.Redis, history: int = HISTORY) -> None:
        self.redis, self.history = redis, history
        self._publish = redis.register_script(_PUBLISH)
        self._since = redis.register_script(_SINCE)
        self._report = redis.register_script(_REPORT)
        self._totals = redis.register_script(_TOTALS)
        self._lead = redis.register_script(_LEAD)
        self._hit = redis.register_script(_HIT)

    @staticmethod
    def _key(show_id: int, what: str) -> str:
        # The hash tag keeps one room's keys on one Redis Cluster shard (scripts need that).
        return f"liveshop:{{room:{show_id}}}:{what}"

    async def publish(self, show_id: int, payloads: list[str]) -> int:
        keys = [self._key(show_id, "seq"), self._key(show_id, "history")]
        args: list[str | int] = [room_channel(show_id), self.history, KEY_TTL, *payloads]
        return int(await self._publish(keys=keys, args=args))

    async def since(self, show_id: int, after: int) -> tuple[int, list[str] | None]:
        keys = [self._key(show_id, "seq"), self._key(show_id, "history")]
        head, ok, events = await self._since(keys=keys, args=[after])
        return int(head), (list(events) if int(ok) else None)

    async def head(self, show_id: int) -> int:
        return int(await self.redis.get(self._key(show_id, "seq")) or 0)

    async def add_likes(self, show_id: int, count: int) -> int:
        key = self._key(show_id, "likes")
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.incrby(key, count)
            pipe.expire(key, KEY_TTL)
            total, _ = await pipe.execute()
        return int(total)

    async def likes(self, show_id: int) -> int:
        return int(await self.redis.get(self._key(show_id, "likes")) or 0)

    async def seed(self, show_id: int, *, likes: int, peak: int) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.set(self._key(show_id, "likes"), likes, nx=True, ex=KEY_TTL)
            pipe.set(self._key(show_id, "peak"), peak, nx=True, ex=KEY_TTL)
            await pipe.execute()

    async def report(self, show_id: int, proc: str, viewers: int) -> None:
        await self._report(keys=[self._key(show_id, "procs")], args=[proc, viewers, KEY_TTL])

    async def totals(self, show_id: int) -> tuple[int, int, int]:
        keys = [self._key(show_id, k) for k in ("procs", "peak", "uniques")]
        now, peak, unique = await self._totals(keys=keys, args=[STALE_MS, KEY_TTL])
        return int(now), int(peak), int(unique)

    async def add_unique(self, show_id: int, key: str) -> None:
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.pfadd(self._key(show_id, "uniques"), key)
            pipe.expire(self._key(show_id, "uniques"), KEY_TTL)
            await pipe.execute()

    async def lead(self, show_id: int, proc: str, ttl_ms: int) -> bool:
        return bool(await self._lead(keys=[self._key(show_id, "leader")], args=[proc, ttl_ms]))

    async def hit(self, key: str, limit: int, window: float) -> float | None:
        ttl = int(await self._hit(keys=[f"liveshop:rate:{key}"], args=[limit, int(window * 1000)]))
        return None if ttl < 0 else ttl / 1000

    async def cooldown(self, key: str, seconds: float) -> float | None:
        name = f"liveshop:cooldown:{key}"
        if await self.redis.set(name, 1, nx=True, px=max(1, int(seconds * 1000))):
            return None
        ttl = int(await self.redis.pttl(name))
        return max(ttl, 0) / 1000


_stores: weakref.WeakKeyDictionary[Any, RoomStore] = weakref.WeakKeyDictionary()


def store_for(broker: Broker, history: int | None = None) -> RoomStore:
    """The store that goes with `broker`: both must agree on where rooms live."""
    store = _stores.get(broker)
    if store is None:
        redis = getattr(broker, "redis", None)
        size = history or HISTORY
        store = RedisRoomStore(redis, size) if redis is not None else MemoryRoomStore(broker, size)
        _stores[broker] = store
    elif history:
        store.history = history
    return store


async def publish(broker: Broker, show_id: int, payloads: list[str]) -> int:
    try:
        return await store_for(broker).publish(show_id, payloads)
    except Exception:
        # The change is committed but its event is lost: this process's rooms reload from
        # the database once Redis answers again (others notice their own lost connection).
        broker.epoch += 1
        raise


def decode(message: str) -> tuple[int, list[dict[str, Any]]]:
    body = json.loads(message)
    return int(body["seq"]), list(body["events"])
