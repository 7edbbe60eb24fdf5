"""nginx lives beside the web workers, not inside one: `liveshop serve --workers 2` supervises
it once per host, in its parent process.

A real ffmpeg publishes to the real nginx; one web worker is SIGKILLed mid-show. The encoder
must not notice (no reconnect, its process keeps running), the HLS playlist keeps advancing,
the show stays live, and the server log says "media server up" once. Then nginx itself dies
and the supervisor brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from liveshop.live.media import nginx as media
from liveshop.live.media.supervisor import MediaSupervisor, port_open
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.media import children, ffmpeg_push, nginx_masters, wait_for, web_workers
from tests.kits.server import Server, serve, stop
from tests.kits.system import free_port, require

pytestmark = pytest.mark.slow


@pytest.fixture
async def two_workers(settings: Settings, tmp_path: Path) -> AsyncIterator[Server]:
    if MODE != "distributed":
        pytest.skip("several web workers need PostgreSQL and Redis (serve refuses otherwise)")

    async def both_workers_up(_: httpx.AsyncClient, server: Server) -> bool:
        return len(web_workers(server.pid)) == 2

    async with serve(
        settings,
        tmp_path,
        workers=2,
        media=True,
        env={"LIVESHOP_LOG_LEVEL": "INFO"},  # the test counts "media server up" lines
        ready=both_workers_up,
        # The test's shop is signed up through the API, with no operator to verify it.
        unverified_shops_sell=True,
    ) as server:
        yield server


async def new_show(api: httpx.AsyncClient) -> tuple[int, dict[str, str], dict[str, Any]]:
    signup = await api.post(
        "/api/v1/auth/signup",
        json={
            "email": "streamer@example.com",
            "password": "correct horse battery",
            "display_name": "Streamer",
            "market": "UK",
            "roles": ["seller"],
        },
    )
    assert signup.status_code == 202, signup.text
    creds = {"email": "streamer@example.com", "password": "correct horse battery"}
    token = (await api.post("/api/v1/auth/login", json=creds)).json()["token"]
    auth = {"Authorization": f"Bearer {token}"}
    api.cookies.clear()
    shop = (
        await api.post("/api/v1/shops", headers=auth, json={"name": "Lamps", "market": "UK"})
    ).json()
    show = (
        await api.post(
            "/api/v1/shows",
            headers=auth,
            json={
                "title": "Lamp drop",
                "starts_at": "2030-01-01T18:00:00Z",
                "markets": ["UK"],
                "shop_id": shop["id"],
            },
        )
    ).json()
    ingest = (await api.get(f"/api/v1/shows/{show['id']}/ingest", headers=auth)).json()
    return show["id"], auth, ingest


def last_fragment(playlist: str) -> int:
    names = [ln for ln in playlist.splitlines() if ln.endswith(".ts")]
    return int(names[-1].rsplit(".", 1)[0]) if names else -1


async def test_killing_a_web_worker_leaves_the_stream_untouched(
    two_workers: Server,
) -> None:
    ffmpeg = require("ffmpeg", "ffmpeg's test sources are the RTMP publisher")
    server = two_workers
    proc = server.proc
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
        show_id, auth, ingest = await new_show(api)
        push = await asyncio.create_subprocess_exec(
            *ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/{ingest['stream_key']}", 60),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:

            async def is_live() -> bool:
                return (await api.get(f"/api/v1/shows/{show_id}")).json()["status"] == "live"

            await wait_for("the show to go live", is_live, 15, server.log)
            hls_url = (await api.get(f"/api/v1/shows/{show_id}/playback")).json()["hls_url"]

            async def has_fragment() -> bool:
                r = await api.get(hls_url)
                return r.status_code == 200 and last_fragment(r.text) >= 1

            await wait_for("HLS fragments", has_fragment, 15, server.log)
            # nginx is the parent's child, never a worker's.
            assert len(nginx_masters(proc.pid)) == 1, children(proc.pid)
            workers = web_workers(proc.pid)
            assert len(workers) == 2
            for worker in workers:
                assert not [c for c in children(worker) if "nginx" in c[1]], "nginx in a worker"
            before = last_fragment((await api.get(hls_url)).text)
            os.kill(workers[0], signal.SIGKILL)
            killed_at = time.monotonic()

            # Longer than the reconnect grace (1 s) and several monitor ticks.
            while time.monotonic() - killed_at < 8:
                assert push.returncode is None, "the encoder was cut off"
                with contextlib.suppress(httpx.TransportError):
                    status = (await api.get(f"/api/v1/shows/{show_id}")).json()["status"]
                    assert status == "live", server.log_text()
                await asyncio.sleep(0.5)
            after = last_fragment((await api.get(hls_url)).text)
            assert after >= before + 5, (before, after)
            health = (await api.get(f"/api/v1/shows/{show_id}/stream-health", headers=auth)).json()
            assert health["publishing"] and health["disconnects"] == 0, health
            assert len(health["sessions"]) == 1
            assert push.returncode is None
        finally:
            await stop(push)
    text = server.log.read_text(errors="replace")
    assert text.count("media server up") == 1, server.log_text()
    assert "bind()" not in text
    print(
        f"\nworker {workers[0]} killed; over 8 s the playlist went {before} -> {after}, "
        f"one stream session, encoder still running, one 'media server up'"
    )


async def test_nginx_that_dies_is_started_again(settings: Settings, tmp_path: Path) -> None:
    require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    settings = settings.model_copy(
        update={
            "media_dir": tmp_path / "media",
            "rtmp_port": free_port(),
            "media_http_port": free_port(),
        }
    )
    supervisor = MediaSupervisor(settings)
    assert await asyncio.to_thread(supervisor.start)
    try:
        first = supervisor.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while supervisor.starts < 2:
            assert time.monotonic() < deadline, "nginx was not started again"
            await asyncio.sleep(0.1)
        assert supervisor.pid not in (None, first)
        assert await media.port_open_async(settings.rtmp_port)
    finally:
        await supervisor.stop()
    assert not await asyncio.to_thread(port_open, settings.rtmp_port)


async def test_an_in_process_app_runs_nginx_only_when_asked(
    settings: Settings, make_app: Any, tmp_path: Path
) -> None:
    """`create_app(manage_media=True)`: the explicit in-process way, for tests and embedding."""
    require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    settings = settings.model_copy(
        update={
            "media_dir": tmp_path / "media",
            "rtmp_port": free_port(),
            "media_http_port": free_port(),
        }
    )
    async with make_app(settings, run_background=True):
        assert not await media.port_open_async(settings.rtmp_port)  # workers never start it
    async with make_app(settings, run_background=False, manage_media=True) as app:
        assert await media.port_open_async(settings.rtmp_port)
        assert app.state.media.pid is not None
    assert not await asyncio.to_thread(port_open, settings.rtmp_port)
