"""Secrets stay secret: stream keys, the media hook secret, /metrics and staff roles.

tests/live/media/test_media_e2e.py checks, with real nginx and ffmpeg, that no log records the
stream key or the hook secret.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from liveshop.live.media import nginx as media
from liveshop.settings import Settings
from tests.kits.factories import Api

HOOKS = "/api/v1/media/hooks"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    # Port 9 (discard) is never an nginx stat page: hooks see "nginx cannot be asked".
    return settings.model_copy(
        update={"media_dir": tmp_path / "media", "media_http_port": 9, "rtmp_port": 9}
    )


async def scheduled_show(api: Api, client: httpx.AsyncClient) -> tuple[Any, int]:
    seller = await api.user("seller")
    shop = await api.shop(seller)
    r = await client.post(
        "/api/v1/shows",
        headers=seller.headers,
        json={
            "title": "Key test",
            "starts_at": "2030-01-01T18:00:00Z",
            "markets": ["UK"],
            "shop_id": shop["id"],
        },
    )
    assert r.status_code == 201, r.text
    return seller, r.json()["id"]


async def show_row(app: Any, show_id: int) -> dict[str, Any]:
    async with app.state.db.read.connect() as conn:
        row = (
            await conn.execute(text("SELECT * FROM shows WHERE id = :id"), {"id": show_id})
        ).one()
    return dict(row._mapping)


async def test_stream_keys_are_stored_hashed_and_the_host_can_read_theirs(
    api: Api, client: httpx.AsyncClient, app: Any, settings: Settings
) -> None:
    seller, show_id = await scheduled_show(api, client)
    ingest = f"/api/v1/shows/{show_id}/ingest"
    key = (await client.get(ingest, headers=seller.headers)).json()["stream_key"]
    assert key.startswith("sk_") and len(key) > 40
    # The host reads the same key again (studio page, OBS set-up)...
    assert (await client.get(ingest, headers=seller.headers)).json()["stream_key"] == key
    # ...but the database holds no copy of it: only its SHA-256.
    row = await show_row(app, show_id)
    assert not [c for c, v in row.items() if isinstance(v, str) and key in v], row
    assert row["stream_key_hash"] == hashlib.sha256(key.encode()).hexdigest()

    hook = {media.HOOK_HEADER: media.hook_secret(settings)}
    r = await client.post(f"{HOOKS}/publish", headers=hook, data={"name": key, "addr": "x"})
    assert r.status_code == 302, r.text


async def test_the_hook_secret_is_a_header_never_a_url(
    api: Api, client: httpx.AsyncClient, settings: Settings
) -> None:
    seller, show_id = await scheduled_show(api, client)
    key = (await client.get(f"/api/v1/shows/{show_id}/ingest", headers=seller.headers)).json()[
        "stream_key"
    ]
    secret = media.hook_secret(settings)
    form = {"name": key, "addr": "127.0.0.1"}
    in_url = await client.post(f"{HOOKS}/publish", params={"secret": secret}, data=form)
    assert in_url.status_code == 403 and in_url.json()["code"] == "hook_secret_invalid"

    conf = media.render_config(settings)
    hook_lines = [ln for ln in conf.splitlines() if ln.strip().startswith("on_publish")]
    assert hook_lines and not [ln for ln in hook_lines if secret in ln]
    assert f'proxy_set_header {media.HOOK_HEADER} "{secret}";' in conf
    # The door that adds the secret is for nginx-rtmp on this machine only.
    proxy = conf[conf.index(f"location {media.HOOK_PROXY}") :]
    assert proxy.index("allow 127.0.0.1;") < proxy.index("deny all;") < proxy.index("proxy_pass")
    # nginx-rtmp logs no stream name (the key) and no arguments.
    rtmp = conf[conf.index("rtmp {") : conf.index("http {")]
    assert "access_log off" in rtmp or ("access_log" in rtmp and "$name" not in rtmp)
    assert "$args" not in rtmp
    assert "access_log off;" in conf[conf.index("http {") :]
    conf_file = media.write_config(settings)
    assert conf_file.stat().st_mode & 0o077 == 0  # holds the secret: owner only


async def test_metrics_need_the_operator_token(
    make_app: Any, settings: Settings, client: httpx.AsyncClient
) -> None:
    # No token set: only a local client that came through no proxy.
    assert (await client.get("/metrics")).status_code == 200
    proxied = await client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
    assert proxied.status_code == 403 and proxied.json()["code"] == "metrics_forbidden"

    guarded = settings.model_copy(update={"metrics_token": "scrape-me-0123456789"})
    async with make_app(guarded, run_background=False) as app:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            assert (await c.get("/metrics")).status_code == 403
            wrong = {"Authorization": "Bearer nope"}
            assert (await c.get("/metrics", headers=wrong)).status_code == 403
            right = {"Authorization": "Bearer scrape-me-0123456789"}
            r = await c.get("/metrics", headers=right)
            assert r.status_code == 200 and "liveshop_http_requests_total" in r.text


async def test_a_public_profile_hides_staff_roles(api: Api, client: httpx.AsyncClient) -> None:
    staff = await api.user("seller", "admin", "moderator")
    public = (await client.get(f"/api/v1/users/{staff.id}")).json()
    assert set(public["roles"]) == {"buyer", "seller"}
    me = (await client.get("/api/v1/me", headers=staff.headers)).json()
    assert {"admin", "moderator", "seller"} <= set(me["roles"])
