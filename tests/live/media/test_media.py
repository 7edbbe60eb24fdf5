"""Video through nginx-rtmp: the hooks, stream keys, playback, replays and the rendered config.

These drive the hooks the way nginx does (form POSTs, the hook secret in a header) against
the in-process app; tests/live/media/test_media_e2e.py runs the real nginx and ffmpeg.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from liveshop.accounts.models import Notification
from liveshop.db import utcnow
from liveshop.live.media import nginx as media
from liveshop.live.media import supervisor
from liveshop.live.media.models import StreamSession
from liveshop.live.media.tasks import Monitor
from liveshop.live.room.models import ShowPin
from liveshop.live.shows.models import Show
from liveshop.settings import Settings
from liveshop.uow import UnitOfWork
from tests.kits.factories import Actor, Api
from tests.kits.system import require

HOOKS = "/api/v1/media/hooks"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # Port 9 (discard) is never an nginx stat page: hooks see "nginx cannot be asked".
    return settings.model_copy(
        update={
            "media_dir": tmp_path / "media",
            "media_http_port": 9,
            "rtmp_port": 9,
            "media_reconnect_grace_seconds": 0.3,
        }
    )


def secret(settings: Settings) -> str:
    return media.hook_secret(settings)


async def hook(
    client: httpx.AsyncClient,
    call: str,
    key: str,
    *,
    secret: str | None,
    addr: str = "203.0.113.7",
) -> httpx.Response:
    """POST like nginx-rtmp through nginx's hook proxy: a form body, the secret in a header."""
    headers = {media.HOOK_HEADER: secret} if secret is not None else {}
    form = {"app": "live", "call": call.replace("-", "_"), "name": key, "addr": addr}
    return await client.post(f"{HOOKS}/{call}", headers=headers, data=form)


async def new_show(api: Api, client: httpx.AsyncClient) -> tuple[Actor, dict[str, Any], str]:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    r = await client.post(
        "/api/v1/shows",
        headers=seller.headers,
        json={
            "title": "Friday drop",
            "starts_at": "2030-01-01T18:00:00Z",
            "markets": ["UK"],
            "shop_id": shop["id"],
        },
    )
    assert r.status_code == 201, r.text
    show = r.json()
    ingest = await client.get(f"/api/v1/shows/{show['id']}/ingest", headers=seller.headers)
    return seller, show, ingest.json()["stream_key"]


async def state(app: Any, show_id: int) -> tuple[str, int, int]:
    """The show's status, its stream sessions, and how many of them are open."""
    async with UnitOfWork(db=app.state.db, broker=app.state.broker, write=False) as uow:
        show = await uow.session.get(Show, show_id)
        assert show is not None
        total, still_open = (
            await uow.session.execute(
                select(
                    func.count(StreamSession.id),
                    func.count(StreamSession.id).filter(StreamSession.ended_at.is_(None)),
                ).where(StreamSession.show_id == show_id)
            )
        ).one()
        return show.status, total, still_open


async def notified(app: Any, user_id: int) -> list[str]:
    async with UnitOfWork(db=app.state.db, broker=app.state.broker, write=False) as uow:
        rows = await uow.session.execute(
            select(Notification.kind).where(Notification.user_id == user_id)
        )
        return list(rows.scalars())


async def test_publish_is_denied_without_the_secret_a_valid_key_or_a_startable_show(
    api: Api, client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    _seller, show, key = await new_show(api, client)
    denied = [
        (await hook(client, "publish", key, secret=None), 403, "hook_secret_invalid"),
        (await hook(client, "publish", key, secret="wrong"), 403, "hook_secret_invalid"),
        (await hook(client, "publish", key + "x", secret=secret(settings)), 403, None),
        (await hook(client, "publish", "sk_guess", secret=secret(settings)), 403, None),
        (await hook(client, "publish", "", secret=secret(settings)), 400, None),
        (await hook(client, "publish-done", key, secret="wrong"), 403, "hook_secret_invalid"),
    ]
    for response, status, code in denied:
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "location" not in response.headers
        if code:
            assert response.json()["code"] == code
    not_a_form = await client.post(
        f"{HOOKS}/publish",
        headers={media.HOOK_HEADER: secret(settings)},
        content=b"\x00\xff garbage",
    )
    assert not_a_form.status_code == 400
    assert await state(app, show["id"]) == ("scheduled", 0, 0)

    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        row = await uow.session.get(Show, show["id"])
        assert row is not None
        row.status = "ended"
        await uow.commit()
    r = await hook(client, "publish", key, secret=secret(settings))
    assert r.status_code == 409 and r.json()["code"] == "show_not_startable"
    assert await state(app, show["id"]) == ("ended", 0, 0)


async def test_a_valid_key_takes_the_show_live_under_its_public_name_and_tells_the_audience(
    api: Api, client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    seller, show, key = await new_show(api, client)
    follower = await api.user("buyer")
    r = await client.post(
        "/api/v1/me/follows",
        headers=follower.headers,
        json={"target_kind": "shop", "target_id": show["shop_id"]},
    )
    assert r.status_code == 201, r.text
    rsvp = await api.user("buyer")
    bystander = await api.user("buyer")
    r = await client.put(f"/api/v1/shows/{show['id']}/rsvp", headers=rsvp.headers)
    assert r.status_code == 204, r.text

    r = await hook(client, "publish", key, secret=secret(settings))
    # The redirect renames the stream: HLS files and URLs never carry the key.
    assert r.status_code == 302, r.text
    assert r.headers["location"] == f"show-{show['id']}"
    assert await state(app, show["id"]) == ("live", 1, 1)
    assert await notified(app, follower.id) == ["show_live"]
    assert await notified(app, rsvp.id) == ["show_live"]
    assert await notified(app, bystander.id) == []
    assert await notified(app, seller.id) == []

    playback = (await client.get(f"/api/v1/shows/{show['id']}/playback")).json()
    assert playback["status"] == "live"
    assert playback["hls_url"].endswith(f"/hls/show-{show['id']}/index.m3u8")
    assert key not in str(playback)

    health = await client.get(f"/api/v1/shows/{show['id']}/stream-health", headers=seller.headers)
    assert health.status_code == 200
    assert health.json()["publishing"] is True
    assert health.json()["sessions"][0]["ended_at"] is None
    other = await client.get(f"/api/v1/shows/{show['id']}/stream-health", headers=rsvp.headers)
    assert other.status_code == 403


async def test_a_reconnect_within_the_grace_keeps_the_show_live_then_it_ends_with_a_replay(
    api: Api, client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    seller, show, key = await new_show(api, client)
    follower = await api.user("buyer")
    await client.post(
        "/api/v1/me/follows",
        headers=follower.headers,
        json={"target_kind": "shop", "target_id": show["shop_id"]},
    )
    assert (await hook(client, "publish", key, secret=secret(settings))).status_code == 302
    assert (await hook(client, "publish-done", key, secret=secret(settings))).status_code == 204
    assert await state(app, show["id"]) == ("live", 1, 0)
    assert (await hook(client, "publish", key, secret=secret(settings))).status_code == 302
    assert await state(app, show["id"]) == ("live", 2, 1)
    # One notification for the show, not one per encoder hiccup.
    assert await notified(app, follower.id) == ["show_live"]

    # What nginx wrote for two publishes (hls_continuous numbers on, with a discontinuity).
    folder = settings.media_dir.resolve() / "hls" / f"show-{show['id']}"
    folder.mkdir(parents=True)
    (folder / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-TARGETDURATION:2\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:1.954,\n0.ts\n#EXTINF:1.000,\n1.ts\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:1.200,\n2.ts\n#EXTINF:1.000,\n../../etc/passwd\n"
    )
    monitor = Monitor(db=app.state.db, broker=app.state.broker, settings=settings)
    await monitor.tick()
    assert await state(app, show["id"]) == ("live", 2, 1)
    # The live window moved on; the replay must still hold the early fragments.
    (folder / "index.m3u8").write_text(
        "#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:2\n#EXT-X-TARGETDURATION:1\n"
        "#EXT-X-DISCONTINUITY\n#EXTINF:1.200,\n2.ts\n#EXTINF:0.800,\n3.ts\n"
    )

    assert (await hook(client, "publish-done", key, secret=secret(settings))).status_code == 204
    await monitor.tick()
    assert await state(app, show["id"]) == ("live", 2, 0)  # still inside the grace
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        for row in (await uow.session.execute(select(StreamSession))).scalars():
            row.ended_at = utcnow() - timedelta(seconds=5)
        await uow.commit()
    await monitor.tick()
    assert await state(app, show["id"]) == ("ended", 2, 0)

    replay = (folder / "replay.m3u8").read_text()
    assert replay.splitlines()[-1] == "#EXT-X-ENDLIST"
    assert "#EXT-X-PLAYLIST-TYPE:VOD" in replay
    assert [ln for ln in replay.splitlines() if not ln.startswith("#")] == [
        "0.ts",
        "1.ts",
        "2.ts",
        "3.ts",
    ]
    assert replay.count("#EXT-X-DISCONTINUITY") == 2
    playback = (await client.get(f"/api/v1/shows/{show['id']}/playback")).json()
    assert playback["status"] == "ended" and "hls_url" not in {k for k, v in playback.items() if v}
    assert playback["replay_url"].endswith(f"/hls/show-{show['id']}/replay.m3u8")
    health = (
        await client.get(f"/api/v1/shows/{show['id']}/stream-health", headers=seller.headers)
    ).json()
    assert health["disconnects"] == 1 and health["publishing"] is False
    assert [s["end_reason"] for s in health["sessions"]] == ["publish_done", "publish_done"]
    # An ended show cannot be restarted by its old encoder.
    assert (await hook(client, "publish", key, secret=secret(settings))).status_code == 409


async def test_playback_lists_pins_with_their_offset_into_the_video(
    api: Api, client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    seller, show, key = await new_show(api, client)
    shop = await api.shop(seller)
    product = await api.product(seller, shop["id"])
    assert (await client.get(f"/api/v1/shows/{show['id']}/playback")).json() == {
        "status": "scheduled",
        "hls_url": None,
        "replay_url": None,
        "pins": [],
    }
    assert (await hook(client, "publish", key, secret=secret(settings))).status_code == 302
    async with UnitOfWork(db=app.state.db, broker=app.state.broker) as uow:
        row = await uow.session.get(Show, show["id"])
        assert row is not None and row.went_live_at is not None
        uow.session.add(
            ShowPin(
                show_id=row.id,
                product_id=product["id"],
                pinned_at=row.went_live_at + timedelta(seconds=95),
            )
        )
        await uow.commit()
    pins = (await client.get(f"/api/v1/shows/{show['id']}/playback")).json()["pins"]
    assert [(p["product_id"], p["offset_seconds"]) for p in pins] == [(product["id"], 95.0)]


async def test_rotating_the_key_refuses_the_old_one(
    api: Api, client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    seller, show, old_key = await new_show(api, client)
    viewer = await api.user("buyer")
    url = f"/api/v1/shows/{show['id']}/stream-key/rotate"
    assert (await client.post(url, headers=viewer.headers)).status_code == 403
    assert (await client.post(url)).status_code == 401
    r = await client.post(url, headers=seller.headers)
    assert r.status_code == 200, r.text
    new_key = r.json()["stream_key"]
    assert new_key != old_key and len(new_key) > 40
    assert r.json()["rtmp_url"] == f"rtmp://127.0.0.1:{settings.rtmp_port}/live"
    ingest = await client.get(f"/api/v1/shows/{show['id']}/ingest", headers=seller.headers)
    assert ingest.json()["stream_key"] == new_key

    assert (await hook(client, "publish", old_key, secret=secret(settings))).status_code == 403
    assert await state(app, show["id"]) == ("scheduled", 0, 0)
    assert (await hook(client, "publish", new_key, secret=secret(settings))).status_code == 302
    r = await client.post(url, headers=seller.headers)
    assert r.status_code == 409 and r.json()["code"] == "show_live"
    assert (
        await client.post("/api/v1/shows/999999/stream-key/rotate", headers=seller.headers)
    ).status_code == 404


async def test_bad_ids_are_4xx_problems(client: httpx.AsyncClient, api: Api) -> None:
    user = await api.user("seller")
    for method, path in [
        ("GET", "/api/v1/shows/0/playback"),
        ("GET", f"/api/v1/shows/{2**70}/playback"),
        ("POST", f"/api/v1/shows/{2**70}/stream-key/rotate"),
        ("GET", f"/api/v1/shows/{2**70}/stream-health"),
    ]:
        r = await client.request(method, path, headers=user.headers)
        assert r.status_code == 422, (path, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    r = await client.get("/api/v1/shows/999999/playback")
    assert r.status_code == 404 and r.json()["code"] == "show_not_found"
    r = await client.get("/api/v1/shows/abc/playback")  # ids are digits: no such path
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"


async def test_media_status_says_why_video_is_unavailable(
    client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    body = (await client.get("/api/v1/media/status")).json()
    assert body["available"] is False and body["reason"]
    assert body["rtmp_url"] == "rtmp://127.0.0.1:9/live"
    assert body["hls_base_url"] == "http://127.0.0.1:9/hls"
    app.state.settings = settings.model_copy(update={"media_enabled": False})
    body = (await client.get("/api/v1/media/status")).json()
    assert body["available"] is False and "disabled" in body["reason"]
    app.state.settings = settings.model_copy(update={"nginx_binary": "no-such-nginx-here"})
    body = (await client.get("/api/v1/media/status")).json()
    assert "not installed" in body["reason"]


async def test_start_managed_returns_none_when_nginx_is_missing(settings: Settings) -> None:
    missing = settings.model_copy(update={"nginx_binary": "no-such-nginx-here"})
    assert await supervisor.start_managed(missing) is None
    disabled = settings.model_copy(update={"media_enabled": False})
    assert await supervisor.start_managed(disabled) is None


def test_the_rendered_config_passes_nginx_t(settings: Settings, tmp_path: Path) -> None:
    nginx = require("nginx", "the media server is nginx with libnginx-mod-rtmp")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    settings = settings.model_copy(update={"rtmp_port": 19350, "media_http_port": 18089})
    conf = media.write_config(settings)
    text = conf.read_text()
    assert "on_publish " in text and media.hook_secret(settings) in text
    assert "hls_fragment 1s;" in text and "rtmp_stat all;" in text
    prefix = settings.media_dir.resolve()
    result = subprocess.run(
        [nginx, "-t", "-c", str(conf), "-p", f"{prefix}/", "-e", str(prefix / "logs/error.log")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_hook_secret_is_derived_from_the_secret_key_unless_set(settings: Settings) -> None:
    derived = media.hook_secret(settings)
    assert len(derived) >= 32 and derived not in settings.secret_key
    other = settings.model_copy(update={"secret_key": "another-secret-key-0123456789abcdef"})
    assert media.hook_secret(other) != derived
    fixed = settings.model_copy(update={"media_hook_secret": "s3cret-from-ops"})
    assert media.hook_secret(fixed) == "s3cret-from-ops"
