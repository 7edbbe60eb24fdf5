"""End to end: a real Liveshop server starts a real nginx-rtmp; ffmpeg publishes a test pattern.

Covers the whole path of the issue: the push is accepted, the show turns live, nginx serves
the HLS playlist and fragments under the public name, the show ends once the push stops and
its replay is a finished playlist; a push with a wrong key is refused and changes nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from liveshop.catalog.models import Shop
from liveshop.live.media.nginx import hook_secret
from liveshop.settings import Settings
from tests.kits.factories import db_exec
from tests.kits.media import ffmpeg_push, run, wait_for
from tests.kits.server import Server, serve, stop
from tests.kits.system import require

pytestmark = pytest.mark.slow

PUSH_SECONDS = 10


@pytest.fixture
async def server(settings: Settings, tmp_path: Path) -> AsyncIterator[Server]:
    # INFO: the test reads every log line the server writes for the stream key and the secret.
    async with serve(settings, tmp_path, media=True, env={"LIVESHOP_LOG_LEVEL": "INFO"}) as up:
        yield up


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
    assert server.media_dir is not None
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
