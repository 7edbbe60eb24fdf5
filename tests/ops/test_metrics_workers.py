"""/metrics under `liveshop serve --workers 2`: one set of figures, whichever worker answers.

Each worker used to serve only its own registry, so two scrapes in a row disagreed and open
WebSockets on the other worker were invisible. Now every scrape adds up every worker, and the
connections of a worker that died leave the gauge with it.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time

import httpx
import pytest
from prometheus_client import REGISTRY
from websockets.asyncio.client import ClientConnection, connect

from liveshop import metrics
from liveshop.settings import Settings
from tests.conftest import MODE
from tests.kits.media import web_workers
from tests.kits.server import serve

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        MODE != "distributed", reason="several web workers need PostgreSQL and Redis"
    ),
]

TOKEN = "scrape-token-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def sample(text: str, name: str, labels: str = "") -> float | None:
    """The value of metric `name{labels}` in an exposition, summed over the worker label."""
    found = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(rf"{re.escape(name)}(\{{[^}}]*\}})? (\S+)$", line)
        if m and labels in (m.group(1) or ""):
            found = (found or 0.0) + float(m.group(2))
    return found


async def scrapes(base: str, n: int) -> list[str]:
    out = []
    for _ in range(n):
        # A new connection each time: the kernel hands them to either worker.
        async with httpx.AsyncClient(base_url=base, timeout=10) as c:
            r = await c.get("/metrics", headers=AUTH)
            assert r.status_code == 200, r.text
            out.append(r.text)
    return out


async def test_metrics_add_up_across_workers(settings: Settings) -> None:
    async with serve(
        settings,
        workers=2,
        env={"LIVESHOP_METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": ""},
    ) as server:
        base = server.url
        async with httpx.AsyncClient(base_url=base, timeout=10) as api:
            assert (await api.get("/metrics")).status_code == 403
            signup = await api.post(
                "/api/v1/auth/signup",
                json={
                    "email": "host@example.com",
                    "password": "correct horse battery",
                    "display_name": "Host",
                    "market": "UK",
                    "roles": ["seller"],
                },
            )
            assert signup.status_code == 202, signup.text
            creds = {"email": "host@example.com", "password": "correct horse battery"}
            token = (await api.post("/api/v1/auth/login", json=creds)).json()["token"]
            auth = {"Authorization": f"Bearer {token}"}
            api.cookies.clear()
            shop = (
                await api.post("/api/v1/shops", headers=auth, json={"name": "M", "market": "UK"})
            ).json()
            show = (
                await api.post(
                    "/api/v1/shows",
                    headers=auth,
                    json={
                        "title": "Metrics",
                        "starts_at": "2030-01-01T18:00:00Z",
                        "markets": ["UK"],
                        "shop_id": shop["id"],
                    },
                )
            ).json()
        for _ in range(20):
            async with httpx.AsyncClient(base_url=base) as c:  # spread over both workers
                assert (await c.get("/api/v1/markets")).status_code == 200

        ws_url = base.replace("http://", "ws://") + f"/ws/shows/{show['id']}"
        sockets: list[ClientConnection] = []
        try:
            for _ in range(8):
                ws = await connect(ws_url, compression=None)
                await asyncio.wait_for(ws.recv(), 5)  # the snapshot: the room has this viewer
                sockets.append(ws)

            for text in await scrapes(base, 6):
                assert sample(text, "liveshop_ws_connections") == 8, text
                markets = sample(
                    text, "liveshop_http_requests_total", 'route="/api/v1/markets",status="200"'
                )
                assert markets == 20
                assert sample(text, "liveshop_ws_slow_consumer_cutoffs_total") == 0
                assert (sample(text, "liveshop_sweep_seconds_count", 'sweep="orders"') or 0) > 0

            for ws in sockets[:3]:
                await ws.close()
            sockets = sockets[3:]
            deadline = time.monotonic() + 5
            while sample((await scrapes(base, 1))[0], "liveshop_ws_connections") != 5:
                assert time.monotonic() < deadline, "closed sockets still counted"
                await asyncio.sleep(0.1)

            # A worker dies with its sockets: they must not stay counted.
            victim = web_workers(server.pid)[0]
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 15
            while True:
                open_now = 0
                for ws in sockets:
                    with contextlib.suppress(Exception):
                        await asyncio.wait_for(ws.ping(), 1)
                        open_now += 1
                with contextlib.suppress(httpx.HTTPError):
                    text = (await scrapes(base, 1))[0]
                    if sample(text, "liveshop_ws_connections") == open_now:
                        break
                assert time.monotonic() < deadline, (open_now, text)
                await asyncio.sleep(0.2)
        finally:
            for ws in sockets:
                with contextlib.suppress(Exception):
                    await ws.close()


def test_a_failing_sweep_pass_is_timed_and_counted() -> None:

    def value(name: str) -> float:
        return REGISTRY.get_sample_value(name, {"sweep": "probe"}) or 0.0

    failures, passes = value("liveshop_sweep_failures_total"), value("liveshop_sweep_seconds_count")
    with metrics.sweep("probe"):
        pass
    with pytest.raises(RuntimeError), metrics.sweep("probe"):
        raise RuntimeError("database away")
    assert value("liveshop_sweep_failures_total") == failures + 1
    assert value("liveshop_sweep_seconds_count") == passes + 2
