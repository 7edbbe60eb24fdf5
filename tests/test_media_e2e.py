"""End to end: a real Liveshop server starts a real nginx-rtmp; ffmpeg publishes a test pattern.

Covers the whole path of the issue: the push is accepted, the show turns live, nginx serves
the HLS playlist and fragments under the public name, the show ends once the push stops and
its replay is a finished playlist; a push with a wrong key is refused and changes nothing.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from liveshop.catalog.models import Shop
from liveshop.live.media.nginx import hook_secret
from liveshop.settings import Settings
from tests.system import free_port, require
from tests.web_kit import db_exec

pytestmark = pytest.mark.slow

PUSH_SECONDS = 10


@dataclass
class Server:
    url: str
    rtmp: str
    media_dir: Path
    log: Path


def server_log(path: Path) -> str:
    return "--- server log ---\n" + path.read_text(errors="replace")


def ffmpeg_push(ffmpeg: str, url: str, seconds: int) -> list[str]:
    return [
        ffmpeg,
        "-hide_banner",
        "-loglevel",
        "error",
        "-re",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=640x360:rate=25",
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-g",
        "25",
        "-c:a",
        "aac",
        "-f",
        "flv",
        url,
    ]


async def run(cmd: list[str], within: float) -> int:
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        return await asyncio.wait_for(proc.wait(), within)
    finally:
        await stop(proc)


async def stop(proc: asyncio.subprocess.Process, *, group: bool = False) -> None:
    """SIGTERM (a server then stops its nginx), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if proc.returncode is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(proc.pid, sig)
            else:
                proc.send_signal(sig)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), wait)
    if group:
        # nginx is in the server's process group: nothing of it may outlive the test.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture
async def server(database_url: str, settings: Settings, tmp_path: Path) -> AsyncIterator[Server]:
    require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
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
            env=env,
            cwd=tmp_path,  # no stray .env from the checkout
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, timeout=5) as client:
            deadline = time.monotonic() + 30
            while True:
                assert proc.returncode is None, "server exited\n" + server_log(log)
                assert time.monotonic() < deadline, "server never came up\n" + server_log(log)
                with contextlib.suppress(httpx.TransportError):
                    status = (await client.get("/api/v1/media/status")).json()
                    if status["available"]:
                        break
                await asyncio.sleep(0.1)
        yield Server(url, status["rtmp_url"], media_dir, log)
    finally:
        await stop(proc, group=True)


async def wait_for(what: str, check: Any, within: float, log: Path) -> float:
    """Poll `check()` until truthy; the seconds it took."""
    start = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - start
        if time.monotonic() - start > within:
            pytest.fail(f"timed out waiting for {what}\n{server_log(log)}")
        await asyncio.sleep(0.05)


async def test_a_real_push_goes_live_serves_hls_ends_and_leaves_a_replay(
    server: Server, settings: Settings, database_url: str
) -> None:
    ffmpeg = require("ffmpeg", "ffmpeg's test sources are the RTMP publisher")
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as api:
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
        login = await api.post(
            "/api/v1/auth/login",
            json={"email": "streamer@example.com", "password": "correct horse battery"},
        )
        assert login.status_code == 200, login.text
        auth = {"Authorization": f"Bearer {login.json()['token']}"}
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
        show_id = show["id"]
        ingest = (await api.get(f"/api/v1/shows/{show_id}/ingest", headers=auth)).json()
        assert ingest["rtmp_url"] == server.rtmp
        key = ingest["stream_key"]

        async def snapshot() -> tuple[str, int]:
            health = (await api.get(f"/api/v1/shows/{show_id}/stream-health", headers=auth)).json()
            return health["status"], len(health["sessions"])

        # A wrong key: nginx refuses the publish and nothing changes.
        assert await run(ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/sk_not-the-key", 2), 20) != 0
        assert await snapshot() == ("scheduled", 0)
        # The right key of a shop nobody verified yet: refused too, and nothing changes.
        assert await run(ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/{key}", 2), 20) != 0
        assert await snapshot() == ("scheduled", 0)
        await db_exec(
            database_url,
            update(Shop).where(Shop.id == shop["id"]).values(verification="verified"),
        )

        started = time.monotonic()
        push = await asyncio.create_subprocess_exec(
            *ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/{key}", PUSH_SECONDS),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
        )
        try:

            async def is_live() -> bool:
                return (await api.get(f"/api/v1/shows/{show_id}")).json()["status"] == "live"

            to_live = await wait_for("the show to go live", is_live, 10, server.log)
            playback = (await api.get(f"/api/v1/shows/{show_id}/playback")).json()
            hls_url = playback["hls_url"]
            assert hls_url.endswith(f"/hls/show-{show_id}/index.m3u8")
            playlist = ""

            async def has_fragment() -> bool:
                nonlocal playlist
                r = await api.get(hls_url)
                playlist = r.text if r.status_code == 200 else ""
                return ".ts" in playlist

            to_hls = await wait_for("an HLS fragment", has_fragment, 15, server.log)
            r = await api.get(hls_url)
            assert r.headers["content-type"] == "application/vnd.apple.mpegurl"
            assert r.headers["cache-control"] == "no-cache"
            assert r.headers["access-control-allow-origin"] == "*"
            fragment = next(ln for ln in playlist.splitlines() if ln.endswith(".ts"))
            seg = await api.get(hls_url.rsplit("/", 1)[0] + "/" + fragment)
            assert seg.status_code == 200 and seg.headers["content-type"] == "video/mp2t"
            assert seg.content[:1] == b"\x47"  # MPEG-TS sync byte
            # The key is no file and no URL: the redirect renamed the stream.
            assert {p.name for p in (server.media_dir / "hls").iterdir()} == {f"show-{show_id}"}
            assert (await api.get(hls_url.replace(f"show-{show_id}", key))).status_code == 404

            async def has_bitrate() -> bool:
                health = (
                    await api.get(f"/api/v1/shows/{show_id}/stream-health", headers=auth)
                ).json()
                return bool(health["bitrate_kbps"])

            await wait_for("a bitrate sample", has_bitrate, 8, server.log)
            health = (await api.get(f"/api/v1/shows/{show_id}/stream-health", headers=auth)).json()
            assert health["publishing"] and health["disconnects"] == 0

            _out, err = await asyncio.wait_for(push.communicate(), PUSH_SECONDS + 15)
            assert push.returncode == 0, err.decode()
            pushed_for = time.monotonic() - started
        finally:
            await stop(push)

        async def has_ended() -> bool:
            return (await api.get(f"/api/v1/shows/{show_id}")).json()["status"] == "ended"

        to_end = await wait_for("the show to end", has_ended, 10, server.log)
        playback = (await api.get(f"/api/v1/shows/{show_id}/playback")).json()
        replay = await api.get(playback["replay_url"])
        assert replay.status_code == 200, playback
        lines = replay.text.splitlines()
        assert lines[-1] == "#EXT-X-ENDLIST"
        duration = sum(float(ln[8:].split(",")[0]) for ln in lines if ln.startswith("#EXTINF:"))
        assert PUSH_SECONDS - 2 <= duration <= PUSH_SECONDS + 2, replay.text
        last = [ln for ln in lines if ln.endswith(".ts")][-1]
        seg = await api.get(playback["replay_url"].rsplit("/", 1)[0] + "/" + last)
        assert seg.status_code == 200 and seg.content[:1] == b"\x47"
        health = (await api.get(f"/api/v1/shows/{show_id}/stream-health", headers=auth)).json()
        assert [s["end_reason"] for s in health["sessions"]] == ["publish_done"]
        assert (health["sessions"][0]["max_bitrate_kbps"] or 0) > 50

        # The old key cannot restart an ended show.
        assert await run(ffmpeg_push(ffmpeg, f"{ingest['rtmp_url']}/{key}", 2), 20) != 0
        assert await snapshot() == ("ended", 1)

    # No log, nginx's or ours, records the stream key or the hook secret.
    logs = [server.log, *(server.media_dir / "logs").iterdir()]
    assert any(p.name == "rtmp-access.log" and "PUBLISH" in p.read_text() for p in logs)
    for path in logs:
        written = path.read_text(errors="replace")
        assert key not in written, f"stream key in {path.name}"
        assert hook_secret(settings) not in written, f"hook secret in {path.name}"

    print(
        f"\npublish->live {to_live:.2f}s, live->first HLS fragment {to_hls:.2f}s, "
        f"push {pushed_for:.1f}s, push end->ended {to_end:.2f}s, replay {duration:.1f}s, "
        f"max bitrate {health['sessions'][0]['max_bitrate_kbps']} kbps"
    )
