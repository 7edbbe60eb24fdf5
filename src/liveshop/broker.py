"""Cross-process pub/sub for real-time events: Redis when configured, in-process otherwise."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import redis.asyncio as aioredis

Handler = Callable[[str, str], None]
log = logging.getLogger(__name__)


class Broker(Protocol):
    # Bumped each time the connection to the other processes came back after a loss: what
    # was published meanwhile may never arrive, so rooms reload rather than trust their state.
    epoch: int

    async def publish(self, channel: str, message: str) -> None: ...

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        """Call `handler(channel, message)` for each message; returns an unsubscribe function."""
        ...

    async def start(self) -> None: ...

    async def close(self) -> None: ...


class InProcessBroker:
    epoch = 0  # nothing in-process is ever lost

    def __init__(self) -> None:
        self._handlers: dict[str, list[Handler]] = defaultdict(list)

    async def start(self) -> None:
        return None

    async def publish(self, channel: str, message: str) -> None:
        for handler in list(self._handlers.get(channel, ())):
            handler(channel, message)

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        self._handlers[channel].append(handler)

        def _unsubscribe() -> None:
            handlers = self._handlers.get(channel)
            if handlers and handler in handlers:
                handlers.remove(handler)
                if not handlers:
                    del self._handlers[channel]

        return _unsubscribe

    async def close(self) -> None:
        self._handlers.clear()


class RedisBroker:
    """One Redis pub/sub connection per process, fanned out to local handlers."""

    def __init__(self, url: str) -> None:
        self.redis = aioredis.from_url(url, decode_responses=True)
        self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
        self._local = InProcessBroker()
        self._task: asyncio.Task[None] | None = None
        self._pending: set[asyncio.Task[None]] = set()
        self.epoch = 0

    async def start(self) -> None:
        # Subscribing to a placeholder keeps listen() alive before any room is opened.
        await self._pubsub.subscribe("liveshop:__boot__")
        self._task = asyncio.create_task(self._reader())

    async def _reader(self) -> None:
        while True:
            try:
                async for msg in self._pubsub.listen():
                    if msg.get("type") == "message":
                        await self._local.publish(msg["channel"], msg["data"])
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Redis restarts must not kill the room fan-out.
                log.warning("pub/sub connection lost: %s", exc)
            # listen() also just returns when a dropped connection took the subscriptions
            # with it; without this pause the loop would spin and starve the event loop.
            await asyncio.sleep(0.5)
            with contextlib.suppress(Exception):
                old, channels = self._pubsub, list(self._local._handlers)
                self._pubsub = self.redis.pubsub(ignore_subscribe_messages=True)
                await self._pubsub.subscribe("liveshop:__boot__", *channels)
                self.epoch += 1
                log.info("pub/sub connection back; rooms resynchronise")
                await old.aclose()  # type: ignore[no-untyped-call]

    async def publish(self, channel: str, message: str) -> None:
        await self.redis.publish(channel, message)

    def subscribe(self, channel: str, handler: Handler) -> Callable[[], None]:
        first = channel not in self._local._handlers
        unsubscribe_local = self._local.subscribe(channel, handler)
        if first:
            self._spawn(self._pubsub.subscribe(channel))

        def _unsubscribe() -> None:
            unsubscribe_local()
            if channel not in self._local._handlers:
                self._spawn(self._pubsub.unsubscribe(channel))

        return _unsubscribe

    def _spawn(self, coro: object) -> None:
        async def _run() -> None:
            with contextlib.suppress(Exception):
                await coro  # type: ignore[misc]

        task = asyncio.ensure_future(_run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def close(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        with contextlib.suppress(Exception):
            await self._pubsub.aclose()  # type: ignore[no-untyped-call]
        await self.redis.aclose()


def create_broker(redis_url: str | None) -> Broker:
    return RedisBroker(redis_url) if redis_url else InProcessBroker()


async def iterate(broker: Broker, channel: str) -> AsyncIterator[str]:
    """Async-iterate a channel (used by tests and simple consumers)."""
    queue: asyncio.Queue[str] = asyncio.Queue()
    unsubscribe = broker.subscribe(channel, lambda _c, m: queue.put_nowait(m))
    try:
        while True:
            yield await queue.get()
    finally:
        unsubscribe()
