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
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.live.media import nginx as media
from liveshop.live.media.supervisor import MediaSupervisor, port_open
from liveshop.markets.models import Market
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.system import free_port, require
from tests.test_media_e2e import Server, ffmpeg_push, server_log, stop, wait_for
from tests.web_kit import db_exec

pytestmark = pytest.mark.slow


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the processes whose parent is `pid`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        # The command name may hold spaces or parentheses: fields follow the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == pid:
            out.append((int(entry.name), cmdline))
    return out


def web_workers(server_pid: int) -> list[int]:
    return [p for p, cmd in children(server_pid) if "spawn_main" in cmd]


def nginx_masters(server_pid: int) -> list[int]:
    return [p for p, cmd in children(server_pid) if "nginx" in cmd]


@pytest.fixture
async def two_workers(
    database_url: str, settings: Settings, tmp_path: Path
) -> AsyncIterator[tuple[Server, asyncio.subprocess.Process]]:
    if MODE != "distributed":
        pytest.skip("several web workers need PostgreSQL and Redis (serve refuses otherwise)")
    require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    # The test's shop is signed up through the API, with no operator to verify it.
    await db_exec(database_url, update(Market).values(requires_verified_shops=False))
    port, rtmp_port, http_port = free_port(), free_port(), free_port()
    media_dir = tmp_path / "media"
    env = {
        **os.environ,
        "LIVESHOP_ENV": "development",
        "LIVESHOP_LOG_JSON": "false",
        "LIVESHOP_DATABASE_URL": database_url,
        "LIVESHOP_SECRET_KEY": settings.secret_key,
        "LIVESHOP_BASE_URL": f"http://127.0.0.1:{port}",
        "LIVESHOP_RTMP_PORT": str(rtmp_port),
        "LIVESHOP_MEDIA_HTTP_PORT": str(http_port),
        "LIVESHOP_MEDIA_DIR": str(media_dir),
        "LIVESHOP_MEDIA_RECONNECT_GRACE_SECONDS": "1",
        "LIVESHOP_MEDIA_POLL_SECONDS": "0.5",
    }
    env.pop("LIVESHOP_REDIS_URL", None)
    if settings.redis_url:
        env["LIVESHOP_REDIS_URL"] = settings.redis_url
    cli = Path(sys.executable).with_name("liveshop")
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            str(cli),
            *("serve", "--host", "127.0.0.1", "--port", str(port), "--no-migrate"),
            *("--workers", "2"),
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            deadline = time.monotonic() + 40
            while True:
                assert proc.returncode is None, "server exited\n" + server_log(log)
                assert time.monotonic() < deadline, "server never came up\n" + server_log(log)
                with contextlib.suppress(httpx.TransportError):
                    status = (await client.get("/api/v1/media/status")).json()
                    if status["available"] and len(web_workers(proc.pid)) == 2:
                        break
                await asyncio.sleep(0.1)
        yield Server(url, status["rtmp_url"], media_dir, log), proc
    finally:
        await stop(proc, group=True)


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
    two_workers: tuple[Server, asyncio.subprocess.Process],
) -> None:
    ffmpeg = require("ffmpeg", "ffmpeg's test sources are the RTMP publisher")
    server, proc = two_workers
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
                    assert status == "live", server_log(server.log)
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
    assert text.count("media server up") == 1, server_log(server.log)
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
