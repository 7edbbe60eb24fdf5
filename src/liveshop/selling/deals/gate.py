"""The cheap "sold out" gate in front of a flash deal.

Most of a stampede gets "sold out"; this answers that without touching the database.
The gate only ever says "no" early: a "yes" still goes through the database's conditional
UPDATE, which is the source of truth. In distributed mode the counter lives in Redis (atomic
Lua scripts in selling/deal_gate_lua.py), shared by every worker; without Redis it is a
per-process counter. If Redis is unreachable the gate answers "don't know" and the database
path decides.

Every "yes" is an `Admission` that the request must `finish`: kept (the hold was written) or
not (the units go back at once). In Redis an admission is also a lease: if its request dies
with its worker, the units come back when the lease runs out (LEASE_SECONDS), so a crash
cannot strand stock. A buyer's admissions in flight count against what that buyer may still
take, so one account's parallel attempts cannot empty the gate for everyone else.

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
import contextlib
import hashlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal, Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from liveshop.metrics import GATE_FALLBACKS
from liveshop.selling.deals import gate_lua as lua

log = logging.getLogger(__name__)
# Units left, and whether the deal is pristine (no unit was ever held).
Loader = Callable[[], Awaitable[tuple[int, bool]]]
# Why the gate said no: nothing left, or the buyer's attempts in flight claim their allowance.
Refusal = Literal["sold_out", "busy"]


def attempt(token: str, key: str | None) -> str:
    """Who is buying, as the gate remembers it: the caller's token with the request's key."""
    return hashlib.sha256(f"{token}\n{key or ''}".encode()).hexdigest()


@dataclass(frozen=True)
class Admission:
    """Units the gate let through for one request; hand it back to `finish`."""

    deal_id: int
    quantity: int
    buyer: int
    lease: str = field(default_factory=lambda: uuid.uuid4().hex)
    incarnation: str = ""


class DealGate(Protocol):
    async def try_take(
        self, deal_id: int, quantity: int, load: Loader, who: str, *, buyer: int, room: int
    ) -> Admission | Refusal | None:
        """Admission: go on to the database. A refusal: answer it. None: ask the database.

        `room` is how many units the buyer may still take (the limit less units held or
        bought); their admissions in flight count against it.
        """
        ...

    async def finish(self, admission: Admission, *, kept: bool) -> None:
        """The request is over: `kept` if its hold was written, else its units go back."""
        ...

    async def give_back(self, deal_id: int, quantity: int) -> None:
        """Units of a committed hold came back (it expired or was cancelled)."""
        ...

    async def surely_sold_out(self, deal_id: int, who: str) -> bool:
        """True only when certain that nothing is left and `who` was never let through."""
        ...

    async def close(self) -> None: ...


class LocalGate:
    """One process, so no leases: a request's `finally` always runs before the process ends."""

    def __init__(self) -> None:
        self._left: dict[int, int] = {}
        self._admitted: dict[int, set[str]] = {}
        self._busy: dict[tuple[int, int], int] = {}
        self._complete: set[int] = set()
        self._lock = asyncio.Lock()

    async def try_take(
        self, deal_id: int, quantity: int, load: Loader, who: str, *, buyer: int, room: int
    ) -> Admission | Refusal | None:
        if deal_id not in self._left:
            async with self._lock:
                if deal_id not in self._left:
                    left, pristine = await load()
                    self._admitted[deal_id] = set()
                    if pristine:
                        self._complete.add(deal_id)
                    self._left[deal_id] = left
        if self._left[deal_id] < quantity:
            return "sold_out"
        busy = self._busy.get((deal_id, buyer), 0)
        if busy + quantity > room:
            return "busy"
        self._busy[(deal_id, buyer)] = busy + quantity
        self._left[deal_id] -= quantity
        self._admitted[deal_id].add(who)
        return Admission(deal_id, quantity, buyer)

    async def finish(self, admission: Admission, *, kept: bool) -> None:
        slot = (admission.deal_id, admission.buyer)
        if (busy := self._busy.pop(slot, 0) - admission.quantity) > 0:
            self._busy[slot] = busy
        if not kept:
            await self.give_back(admission.deal_id, admission.quantity)

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
        self._busy.clear()
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
    # with the current view meanwhile; the refresh also ends expired leases). Units that go
    # back are announced on deal_gate_lua.BACK, and a view known to have changed is
    # refreshed before anyone is answered: so a unit that comes back in any process is
    # seen by every process's next request. While that announcement cannot be heard (not
    # subscribed yet, Redis unreachable), a view older than VIEW_SECONDS is not trusted
    # either; with it, one older than TRUST_SECONDS is not. Staleness otherwise only sends
    # a request down the full path.
    VIEW_SECONDS = 0.1
    TRUST_SECONDS = 1.0
    # How long an admission may stay unfinished before its units come back. A request that
    # outlives its lease and then writes its hold takes the units again (deal_gate_lua.FINISH).
    LEASE_SECONDS = 5.0

    def __init__(self, url: str) -> None:
        # A dead Redis refuses connections at once and the database decides; a slow read
        # costs half a second. The pool is bounded: a stampede shares a few connections
        # instead of opening one per request, and waiting for one is queueing, not a sign
        # that Redis is gone, so that wait (and a connect under a busy machine) gets longer.
        pool = aioredis.BlockingConnectionPool.from_url(
            url, max_connections=32, timeout=5, socket_timeout=0.5, socket_connect_timeout=2
        )
        self.redis = aioredis.Redis.from_pool(pool)  # closing the client closes the pool
        self._take = self.redis.register_script(lua.TAKE)
        self._finish = self.redis.register_script(lua.FINISH)
        self._give = self.redis.register_script(lua.GIVE)
        self._init = self.redis.register_script(lua.INIT)
        self._view = self.redis.register_script(lua.VIEW)
        self._views: dict[int, _View] = {}
        # Its own connection, with no read timeout: it waits for announcements.
        self._url = url
        self._heard_since: float | None = None  # subscribed (monotonic time), None if not
        self._listener: asyncio.Task[None] | None = None
        self._retries: set[asyncio.Task[None]] = set()

    @staticmethod
    def keys(deal_id: int) -> list[str]:
        prefix = f"liveshop:deal:{deal_id}"
        names = ("left", "admitted", "generation", "leases", "lease", "busy", "incarnation")
        return [f"{prefix}:{name}" for name in names]

    @staticmethod
    def key(deal_id: int) -> str:
        return RedisGate.keys(deal_id)[0]

    async def try_take(
        self, deal_id: int, quantity: int, load: Loader, who: str, *, buyer: int, room: int
    ) -> Admission | Refusal | None:
        keys = self.keys(deal_id)
        lease = uuid.uuid4().hex
        args: list[str | int] = [quantity, who, lease, buyer, room, int(self.LEASE_SECONDS * 1000)]
        try:
            result = await self._take(keys=keys, args=args)
            if int(result[0]) == -2:
                # Missing after a restart (Redis keeps nothing on disk) or never set.
                left, pristine = await load()
                generation = uuid.uuid4().hex if pristine else ""
                await self._init(keys=keys, args=[left, generation, uuid.uuid4().hex])
                result = await self._take(keys=keys, args=args)
        except (TimeoutError, RedisError, OSError) as exc:
            log.warning("deal gate unavailable, using the database path: %s", exc)
            GATE_FALLBACKS.labels("take").inc()
            return None
        left = int(result[0])
        if left == -3:
            return "busy"
        if left < 0:
            return "sold_out"
        if left == 0:  # we took the last unit: this process's next look should be fresh
            self._stale(deal_id)
        incarnation = result[1].decode() if isinstance(result[1], bytes) else str(result[1])
        return Admission(deal_id, quantity, buyer, lease, incarnation)

    async def finish(self, admission: Admission, *, kept: bool) -> None:
        if not kept:
            self._stale(admission.deal_id)
        args: list[str | int] = [
            admission.lease,
            admission.quantity,
            admission.incarnation,
            int(kept),
        ]
        try:
            await self._finish(keys=self.keys(admission.deal_id), args=args)
        except (TimeoutError, RedisError, OSError) as exc:
            # The lease runs out and gives the units back: at worst the gate counts too many,
            # which only sends requests on to the database.
            log.warning("deal gate unavailable to finish an admission: %s", exc)

    async def give_back(self, deal_id: int, quantity: int) -> None:
        self._stale(deal_id)
        try:
            await self._give(keys=[self.key(deal_id)], args=[quantity])
        except (TimeoutError, RedisError, OSError) as exc:
            # A lost give-back would leave the gate saying "sold out" over a unit the
            # database has: keep trying for a while. If Redis restarted meanwhile, the
            # counter was rebuilt with this unit and it is counted twice, which only sends
            # requests on to the database.
            log.warning("deal gate unavailable for give-back, retrying: %s", exc)
            task = asyncio.ensure_future(self._give_later(deal_id, quantity))
            self._retries.add(task)
            task.add_done_callback(self._retries.discard)

    async def _give_later(self, deal_id: int, quantity: int) -> None:
        for _ in range(120):
            await asyncio.sleep(0.5)
            try:
                await self._give(keys=[self.key(deal_id)], args=[quantity])
                return
            except (TimeoutError, RedisError, OSError):
                continue
        log.error("deal %s: %s unit(s) could not be given back to the gate", deal_id, quantity)

    async def _listen(self) -> None:
        """Mark a deal's view stale whenever any process gives its units back."""
        client = aioredis.from_url(self._url, socket_connect_timeout=0.5)
        try:
            while True:
                try:
                    async with client.pubsub() as pubsub:
                        await pubsub.subscribe(lua.BACK)
                        async for message in pubsub.listen():
                            if message["type"] == "subscribe":
                                self._heard_since = time.monotonic()
                            elif message["type"] == "message":
                                key = message["data"].decode()
                                self._stale(int(key.split(":")[2]))
                except (TimeoutError, RedisError, OSError, ValueError, IndexError) as exc:
                    log.warning("deal gate announcements unavailable: %s", exc)
                self._heard_since = None
                await asyncio.sleep(0.5)
        finally:
            self._heard_since = None
            await client.aclose()

    def _stale(self, deal_id: int) -> None:
        # Keep the object (and any refresh in flight): replacing it would let every request
        # start its own refresh.
        if (view := self._views.get(deal_id)) is not None:
            view.fetched_at = float("-inf")
            view.marks += 1

    async def surely_sold_out(self, deal_id: int, who: str) -> bool:
        if self._listener is None:
            self._listener = asyncio.ensure_future(self._listen())
        view = self._views.get(deal_id)
        if view is None:
            view = self._views[deal_id] = _View()
        age = time.monotonic() - view.fetched_at
        if age > self.VIEW_SECONDS:
            if view.refresh is None:
                view.refresh = asyncio.ensure_future(self._refresh(deal_id, view))
            heard = self._heard_since is not None and view.fetched_at >= self._heard_since
            if age > self.TRUST_SECONDS or not heard:
                # Too old to judge by (the first look after a quiet spell, known to have
                # changed, or changes could not be heard): wait for the one refresh. Under
                # load requests go on with the current view while it refreshes.
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
        for task in [self._listener, *self._retries]:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._listener = None
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
