"""Two real server processes sharing the database and Redis behave as one room."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
import redis.asyncio as aioredis

from liveshop.settings import Settings
from tests.conftest import REDIS_URL
from tests.kits.factories import Api
from tests.kits.room import RoomClient, chat_texts, make_show
from tests.kits.server import serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set LIVESHOP_TEST_REDIS_URL"),
]


@contextlib.asynccontextmanager
async def cluster(settings: Settings, size: int) -> AsyncIterator[list[str]]:
    """`size` servers started by the CLI; yields their ws:// base URLs."""
    assert REDIS_URL
    r = aioredis.from_url(REDIS_URL)
    await r.flushdb()  # SQLite ids restart per test; room keys must not outlive it
    await r.aclose()
    # Redis even in the embedded mode: it is what joins the processes into one room.
    env = {"LIVESHOP_REDIS_URL": REDIS_URL, "LIVESHOP_ROOM_STATS_SECONDS": "0.2"}
    async with contextlib.AsyncExitStack() as servers:
        urls = [
            (await servers.enter_async_context(serve(settings, env=env))).url for _ in range(size)
        ]
        yield [url.replace("http://", "ws://") for url in urls]


async def test_two_processes_share_chat_counts_and_resume(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    _host, show, _ = await make_show(api, client)
    sid = show["id"]
    fans = [await api.user("buyer") for _ in range(2)]
    async with cluster(settings, 2) as (a, b):
        talker = await RoomClient.connect(a, sid, token=fans[0].token)
        liker = await RoomClient.connect(b, sid, token=fans[1].token)
        watcher_a = await RoomClient.connect(a, sid)
        watcher_b = await RoomClient.connect(b, sid)
        for c in (talker, liker, watcher_a, watcher_b):
            await c.wait(lambda c: c.of("snapshot"))

        await talker.chat("sent through A")
        await liker.chat("sent through B")
        for c in (watcher_a, watcher_b):
            await c.wait(lambda c: len(c.of("chat")) == 2)
        assert chat_texts(watcher_a) == chat_texts(watcher_b)  # one order, room-wide

        await talker.send({"type": "like", "count": 5})
        await liker.send({"type": "like", "count": 6})
        for c in (watcher_a, watcher_b):
            # Totals only grow; two processes may publish theirs out of order, so clients
            # (and the room reducer) keep the highest.
            await c.wait(lambda c: max((e.count for e in c.of("like_count")), default=0) == 11)
            await c.wait(lambda c: c.of("viewers") and c.of("viewers")[-1].count == 4)

        # Drop off A, miss some chat, come back on B: nothing lost, nothing twice.
        resume_at = watcher_a.seq
        await watcher_a.close()
        for i in range(5):
            await talker.chat(f"missed {i}")
        await watcher_b.wait(lambda c: len(c.of("chat")) == 7)
        back = await RoomClient.connect(b, sid, after=resume_at)
        await back.wait(lambda c: len(c.of("chat")) == 5)
        assert not back.of("snapshot")
        assert chat_texts(watcher_a) + chat_texts(back) == chat_texts(watcher_b)
        for c in (talker, liker, watcher_b, back):
            await c.close()


async def test_a_process_that_opens_the_room_late_starts_from_the_room_wide_counts(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    """The leader publishes `viewers` only on change, so B must not start from zero."""
    _host, show, _ = await make_show(api, client)
    sid = show["id"]
    async with cluster(settings, 2) as (a, b):
        on_a = [await RoomClient.connect(a, sid) for _ in range(3)]
        await on_a[0].wait(lambda c: c.of("viewers") and c.of("viewers")[-1].count == 3)
        await asyncio.sleep(1.0)  # several stats ticks: the count is settled and unchanged
        late = await RoomClient.connect(b, sid)
        snapshot = (await late.wait(lambda c: c.of("snapshot")))[0].state
        assert snapshot.viewers >= 3, snapshot.viewers
        assert snapshot.peak_viewers >= 3
        for c in [*on_a, late]:
            await c.close()
