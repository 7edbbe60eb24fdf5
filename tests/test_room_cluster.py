"""Two real server processes sharing the database and Redis behave as one room."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from liveshop.settings import Settings
from tests.conftest import REDIS_URL
from tests.factories import Api
from tests.room_kit import RoomClient, chat_texts, make_show

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not REDIS_URL, reason="needs Redis: set LIVESHOP_TEST_REDIS_URL"),
]
LIVESHOP = Path(sys.executable).parent / "liveshop"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.asynccontextmanager
async def cluster(settings: Settings, size: int) -> AsyncIterator[list[str]]:
    """`size` servers started by the CLI; yields their ws:// base URLs."""
    import redis.asyncio as aioredis

    assert REDIS_URL
    r = aioredis.from_url(REDIS_URL)
    await r.flushdb()  # SQLite ids restart per test; room keys must not outlive it
    await r.aclose()
    env = {
        **os.environ,
        "LIVESHOP_ENV": "test",
        "LIVESHOP_DATABASE_URL": settings.database_url,
        "LIVESHOP_REDIS_URL": REDIS_URL,
        "LIVESHOP_SECRET_KEY": settings.secret_key,
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_LOG_JSON": "false",
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_ROOM_STATS_SECONDS": "0.2",
    }
    ports = [_free_port() for _ in range(size)]
    procs = [
        await asyncio.create_subprocess_exec(
            str(LIVESHOP),
            *("serve", "--port", str(p), "--no-migrate"),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        for p in ports
    ]
    try:
        async with httpx.AsyncClient() as http:
            for port in ports:
                for _ in range(200):
                    with contextlib.suppress(httpx.HTTPError):
                        if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                            break
                    await asyncio.sleep(0.05)
                else:
                    raise AssertionError(f"server on {port} did not start")
        yield [f"ws://127.0.0.1:{p}" for p in ports]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()


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
