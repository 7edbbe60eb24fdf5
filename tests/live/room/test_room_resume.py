"""Resuming after a disconnect, heartbeats, and disconnecting slow consumers."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from prometheus_client import REGISTRY

from liveshop.live.room.hub import CLOSE_SLOW_CONSUMER, Viewer
from liveshop.settings import Settings
from tests.kits.factories import Api
from tests.kits.room import RoomClient, chat_texts, make_show
from tests.kits.server import serve_app


async def test_resume_after_a_forced_disconnect_has_no_gaps_and_no_duplicates(
    app: Any, api: Api, client: httpx.AsyncClient
) -> None:
    _host, show, _ = await make_show(api, client)
    sid = show["id"]
    talkers = [await api.user("buyer") for _ in range(2)]
    async with serve_app(app) as base:
        senders = [await RoomClient.connect(base, sid, token=t.token) for t in talkers]
        viewer = await RoomClient.connect(base, sid)
        await viewer.wait(lambda c: c.of("snapshot"))
        sent = []
        for i in range(16):
            sent.append(f"m{i}")
            await senders[i % 2].chat(f"m{i}")
            if i == 7:
                await viewer.wait(lambda c: len(c.of("chat")) >= 4)
                viewer.ws.transport.abort()  # the network drops, no close handshake
                await viewer.wait_closed()
                resume_at = viewer.seq
        assert resume_at > 0
        for s in senders:
            await s.wait(lambda c: len(c.of("chat")) == 16)
        back = await RoomClient.connect(base, sid, after=resume_at)
        await back.wait(lambda c: len(chat_texts(viewer)) + len(chat_texts(c)) >= 16)
        assert not back.of("snapshot")
        room_order = chat_texts(senders[0])
        assert sorted(room_order) == sorted(sent)
        assert chat_texts(viewer) + chat_texts(back) == room_order  # RoomClient checked seq too

        # Too far behind the bounded history, or a seq the room never reached: a snapshot.
        future = await RoomClient.connect(base, sid, after=10**9)
        snap = await future.wait(lambda c: c.of("snapshot"))
        assert [m.text for m in snap[0].state.chat] == room_order
        assert future.frames[0].seq == senders[0].seq
        for c in (back, future, *senders):
            await c.close()


async def test_resume_beyond_the_history_gets_a_fresh_snapshot(
    api: Api, client: httpx.AsyncClient, settings: Settings, make_app: Any
) -> None:
    small = settings.model_copy(update={"room_history_events": 10})
    async with make_app(small, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c2:
            api2 = Api(c2, app=app)
            host, show, _ = await make_show(api2, c2)
            async with serve_app(app) as base:
                viewer = await RoomClient.connect(base, show["id"], token=host.token)
                watcher = await RoomClient.connect(base, show["id"])
                await viewer.wait(lambda c: c.of("snapshot"))
                seq = viewer.seq
                await viewer.close()
                for i in range(12):
                    r = await c2.put(
                        f"/api/v1/shows/{show['id']}/pinned-message",
                        headers=host.headers,
                        json={"text": f"note {i}"},
                    )
                    assert r.status_code == 204
                await watcher.wait(
                    lambda c: [m for m in c.of("pinned_message") if m.text == "note 11"]
                )
                back = await RoomClient.connect(base, show["id"], after=seq)
                snap = await back.wait(lambda c: c.of("snapshot"))
                assert snap[0].state.pinned_message == "note 11"
                await back.close()
                await watcher.close()


class StalledPeer:
    """A transport whose peer stopped reading: every send waits forever."""

    def __init__(self) -> None:
        self.closed: tuple[int, str] | None = None

    async def send(self, text: str) -> None:
        await asyncio.Event().wait()

    async def close(self, code: int, reason: str) -> None:
        self.closed = (code, reason)


async def test_heartbeats_and_slow_consumers_are_disconnected_resumable(
    api: Api, client: httpx.AsyncClient, settings: Settings, make_app: Any
) -> None:
    tight = settings.model_copy(update={"room_queue_frames": 4, "room_heartbeat_seconds": 0.3})
    async with make_app(tight, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c2:
            host, show, _ = await make_show(Api(c2, app=app), c2)
            sid = show["id"]
            async with serve_app(app) as base:
                healthy = await RoomClient.connect(base, sid)
                beats = await healthy.wait(
                    lambda c: len(c.of("heartbeat")) >= 2 and c.of("heartbeat")
                )
                assert beats[0].at

                hub = app.state.rooms
                cutoffs = REGISTRY.get_sample_value("liveshop_ws_slow_consumer_cutoffs_total")
                peer = StalledPeer()
                stalled = Viewer(sink=peer, user_id=None, key="stalled", bound=4)
                await hub.join(sid, stalled, after=None)
                sender = stalled.start()
                for i in range(8):
                    r = await c2.put(
                        f"/api/v1/shows/{sid}/pinned-message",
                        headers=host.headers,
                        json={"text": f"note {i}"},
                    )
                    assert r.status_code == 204
                    await healthy.wait(
                        lambda c, i=i: [m for m in c.of("pinned_message") if m.text == f"note {i}"]
                    )
                    if peer.closed:
                        break
                assert peer.closed == (CLOSE_SLOW_CONSUMER, "slow_consumer")
                # Operators see it: the counter of cut-offs went up.
                now = REGISTRY.get_sample_value("liveshop_ws_slow_consumer_cutoffs_total")
                assert now == (cutoffs or 0) + 1
                assert stalled not in hub.rooms[sid].viewers and stalled.queue.empty()
                assert sender.cancelled()
                # It may come back from where it was, and it misses nothing.
                back = await RoomClient.connect(base, sid, after=stalled.cursor - 1)
                await back.wait(lambda c: c.of("pinned_message"))
                assert not back.of("snapshot")
                for c in (healthy, back):
                    await c.close()
