"""The deployment kit, for real: the public nginx site (TLS, a self-signed certificate made
here) in front of two `liveshop serve` processes on PostgreSQL and Redis, with the media
server. Through TLS: a page, an API call, a room WebSocket hearing a chat sent through the
other web server, and an HLS playlist. Plus the systemd units and the example settings."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from liveshop.deploy_site import Site, render_site
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.factories import Api
from tests.kits.media import ffmpeg_push
from tests.kits.room import make_show
from tests.kits.server import serve, spawn, stop
from tests.kits.system import free_port, require

ROOT = Path(__file__).resolve().parents[2]
LIVESHOP = Path(sys.executable).parent / "liveshop"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    openssl = require("openssl", "the test makes its own TLS certificate")
    cert, key = directory / "site.pem", directory / "site.key"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-4000:]


async def _wait_http(url: str, within: float, log: Path, **kw: Any) -> None:
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(timeout=3, **kw) as c:
        while True:
            with contextlib.suppress(httpx.TransportError):
                if (await c.get(url)).status_code < 500:
                    return
            assert time.monotonic() < deadline, f"{url} never came up\n{_tail(log)}"
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def stack(settings: Settings, tmp_path: Path) -> AsyncIterator[dict[str, Any]]:
    """Two web servers (the first also supervising nginx-rtmp) behind the public site."""
    nginx = require("nginx", "the public site and the media server are nginx")
    require(str(settings.media_rtmp_module), "nginx needs the RTMP module (libnginx-mod-rtmp)")
    cert, key = _self_signed(tmp_path)
    https, http, web_a, web_b = free_port(), free_port(), free_port(), free_port()
    rtmp, hls = free_port(), free_port()
    public = f"https://127.0.0.1:{https}"
    common = {
        "LIVESHOP_ENV": "development",
        "LIVESHOP_LOG_LEVEL": "INFO",
        "LIVESHOP_BASE_URL": public,
        "LIVESHOP_MEDIA_PUBLIC_URL": public,
        "LIVESHOP_RTMP_PORT": str(rtmp),
        "LIVESHOP_MEDIA_HTTP_PORT": str(hls),
        "LIVESHOP_MEDIA_DIR": str(tmp_path / "media"),
        "LIVESHOP_MEDIA_HOOK_URL": f"http://127.0.0.1:{web_a}",
        "LIVESHOP_MEDIA_POLL_SECONDS": "0.5",
    }
    site = Site(
        server_name="127.0.0.1",
        certificate=str(cert),
        certificate_key=str(key),
        upstreams=[f"127.0.0.1:{web_a}", f"127.0.0.1:{web_b}"],
        media_origin=f"127.0.0.1:{hls}",
        https_port=https,
        http_port=http,
        show_upstream=True,
    )
    prefix = tmp_path / "public-nginx"
    (prefix / "logs").mkdir(parents=True)
    conf = prefix / "nginx.conf"
    conf.write_text(
        f"pid {prefix}/nginx.pid;\nerror_log {prefix}/logs/error.log warn;\n"
        "worker_processes 1;\nevents { worker_connections 256; }\n"
        f"http {{\n  client_body_temp_path {prefix}/body;\n  proxy_temp_path {prefix}/proxy;\n"
        f"  fastcgi_temp_path {prefix}/fcgi;\n  uwsgi_temp_path {prefix}/uwsgi;\n"
        f"  scgi_temp_path {prefix}/scgi;\n{render_site(site)}\n}}\n"
    )
    log = tmp_path / "public-nginx.log"
    async with contextlib.AsyncExitStack() as procs:
        # The first web server also supervises nginx-rtmp; the second one only serves.
        for port, media in ((web_a, True), (web_b, False)):
            extra = common if media else {**common, "LIVESHOP_MEDIA_ENABLED": "false"}
            await procs.enter_async_context(
                serve(settings, tmp_path, port=port, media=media, env=extra)
            )
        with log.open("wb") as out:
            front = await spawn(
                [nginx, "-p", str(prefix), "-c", str(conf), "-g", "daemon off;"],
                env=os.environ,
                log=out,
                cwd=tmp_path,
            )
        procs.push_async_callback(stop, front)
        await _wait_http(
            f"{public}/healthz", 20, log, verify=ssl.create_default_context(cafile=str(cert))
        )
        yield {"url": public, "cert": cert, "rtmp": f"rtmp://127.0.0.1:{rtmp}/live", "log": log}


@pytest.mark.slow
@pytest.mark.skipif(MODE != "distributed", reason="two web servers need PostgreSQL and Redis")
async def test_the_public_site_serves_pages_api_rooms_across_servers_and_hls(
    api: Api, client: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    ffmpeg = require("ffmpeg", "ffmpeg's test sources are the RTMP publisher")
    host, show, _items = await make_show(api, client, live=False)
    fan = await api.user("buyer")
    key = (await client.get(f"/api/v1/shows/{show['id']}/ingest", headers=host.headers)).json()
    async with stack(settings, tmp_path) as site:
        tls = ssl.create_default_context(cafile=str(site["cert"]))
        async with httpx.AsyncClient(base_url=site["url"], verify=tls) as web:
            page = await web.get("/")
            assert page.status_code == 200 and "text/html" in page.headers["content-type"]
            markets = await web.get("/api/v1/markets")
            assert markets.status_code == 200 and {m["code"] for m in markets.json()} >= {"UK"}
            assert (await web.get("/metrics")).status_code == 404  # never public
            hooks = await web.post("/api/v1/media/hooks/publish", data={"name": "x"})
            assert hooks.status_code == 404  # nginx-rtmp calls the app directly, never here

        # Two sockets through the site land on the two web servers (round robin); a chat
        # sent through one reaches the viewer on the other.
        room = site["url"].replace("https", "wss") + f"/ws/shows/{show['id']}"
        async with (
            connect(room, ssl=tls) as viewer,
            connect(f"{room}?token={fan.token}", ssl=tls) as talker,
        ):
            ups = {
                viewer.response.headers.get("X-Liveshop-Upstream"),
                talker.response.headers.get("X-Liveshop-Upstream"),
            }
            assert len(ups) == 2 and None not in ups, ups
            await talker.send(json.dumps({"type": "chat", "text": "hello from the other side"}))
            deadline = time.monotonic() + 10
            heard = False
            while not heard:
                assert time.monotonic() < deadline, "the chat never crossed servers"
                frame = json.loads(await asyncio.wait_for(viewer.recv(), 10))
                heard = any(
                    e.get("type") == "chat" and e.get("text") == "hello from the other side"
                    for e in frame["events"]
                )

        # An encoder publishes; viewers get the playlist and fragments over TLS.
        push = await asyncio.create_subprocess_exec(
            *ffmpeg_push(ffmpeg, f"{site['rtmp']}/{key['stream_key']}", 30),
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        try:
            async with httpx.AsyncClient(base_url=site["url"], verify=tls) as web:
                playlist = f"/hls/show-{show['id']}/index.m3u8"
                deadline = time.monotonic() + 30
                while True:
                    r = await web.get(playlist)
                    if r.status_code == 200 and ".ts" in r.text:
                        break
                    assert time.monotonic() < deadline, _tail(site["log"])
                    await asyncio.sleep(0.5)
                assert r.headers["cache-control"] == "no-cache"
                fragment = next(line for line in r.text.splitlines() if line.endswith(".ts"))
                seg = await web.get(f"/hls/show-{show['id']}/{fragment}")
                assert seg.status_code == 200 and len(seg.content) > 1000
                assert "immutable" in seg.headers["cache-control"]
                state = (await web.get(f"/api/v1/shows/{show['id']}")).json()
                assert state["status"] == "live"
        finally:
            with contextlib.suppress(ProcessLookupError):
                push.kill()
            await push.wait()


def test_the_systemd_units_verify() -> None:
    analyze = require("systemd-analyze", "systemd-analyze checks the unit files")
    units = sorted((ROOT / "deploy" / "systemd").glob("*.service"))
    assert {u.name for u in units} == {
        "liveshop-web@.service",
        "liveshop-worker.service",
        "liveshop-media.service",
    }
    work = Path(os.environ.get("TMPDIR", "/tmp")) / f"units-{os.getpid()}"
    work.mkdir(exist_ok=True)
    try:
        names = []
        for unit in units:
            text = unit.read_text()
            assert "EnvironmentFile=/etc/liveshop/liveshop.env" in text
            # Verify against this machine: our liveshop, an account that exists.
            text = text.replace("/srv/liveshop/.venv/bin/liveshop", str(LIVESHOP))
            text = re.sub(r"^(User|Group)=liveshop$", r"\1=root", text, flags=re.M)
            text = text.replace("EnvironmentFile=/", "EnvironmentFile=-/")
            name = unit.name.replace("@.", "@8000.")
            (work / name).write_text(text)
            names.append(str(work / name))
        out = subprocess.run([analyze, "verify", *names], capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_the_example_settings_list_every_setting() -> None:
    example = (ROOT / "deploy" / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*(LIVESHOP_[A-Z0-9_]+)=", example, flags=re.M))
    every = {f"LIVESHOP_{name.upper()}" for name in Settings.model_fields}
    assert every - listed == set(), "missing from deploy/.env.example"
    assert listed - every == set(), "deploy/.env.example lists settings that do not exist"
