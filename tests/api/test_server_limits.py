"""`liveshop serve` bounds what it buffers: request heads (F9) and WebSocket frames (item 8)."""

from __future__ import annotations

import asyncio
import contextlib
import json

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from liveshop.settings import Settings
from tests.kits.server import serve

pytestmark = pytest.mark.slow


async def _raw(base: str, request: bytes) -> bytes:
    """Send `request` on a fresh connection (as far as the server lets us) and read the answer."""
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    with contextlib.suppress(ConnectionError):
        for start in range(0, len(request), 65536):
            writer.write(request[start : start + 65536])
            await writer.drain()
    answer = await asyncio.wait_for(reader.read(65536), 10)
    writer.close()
    with contextlib.suppress(ConnectionError):
        await writer.wait_closed()
    return answer


async def test_f9_huge_request_headers_are_refused(settings: Settings) -> None:
    async with serve(settings, workers=1) as server:
        base = server.url
        big = b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Junk: " + b"a" * (4 * 1024 * 1024)
        answer = await _raw(base, big + b"\r\n\r\n")
        assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
        head, _, body = answer.partition(b"\r\n\r\n")
        assert b"content-type: application/problem+json" in head.lower()
        assert json.loads(body)["code"] == "headers_too_large"
        # Ordinary heads, including a few large cookies, still go through.
        fine = b"GET /healthz HTTP/1.1\r\nHost: x\r\nCookie: " + b"c" * 16384 + b"\r\n\r\n"
        assert (await _raw(base, fine)).startswith(b"HTTP/1.1 200 ")


async def _show(base: str) -> tuple[int, str]:
    async with httpx.AsyncClient(base_url=f"{base}/api/v1") as c:
        body = {
            "email": "host@example.com",
            "password": "correct horse battery",
            "display_name": "Host",
            "roles": ["seller"],
        }
        assert (await c.post("/auth/signup", json=body)).status_code == 202
        login = {"email": body["email"], "password": body["password"]}
        token = (await c.post("/auth/login", json=login)).json()["token"]
        h = {"Authorization": f"Bearer {token}"}
        show = {"title": "Frames", "starts_at": "2030-01-01T18:00:00Z", "markets": ["UK"]}
        r = await c.post("/shows", headers=h, json=show)
        assert r.status_code == 201, r.text
        return int(r.json()["id"]), token


async def _read_until_closed(ws: ClientConnection) -> None:
    while True:
        await asyncio.wait_for(ws.recv(), 5)


async def test_item8_websocket_frames_over_64_kib_are_refused_unread(settings: Settings) -> None:
    async with serve(settings, workers=1) as server:
        base = server.url
        show_id, token = await _show(base)
        url = f"{base.replace('http', 'ws')}/ws/shows/{show_id}?token={token}"
        async with connect(url, compression=None) as ws:
            snapshot = json.loads(await asyncio.wait_for(ws.recv(), 5))
            assert snapshot["events"][0]["type"] == "snapshot"
            await ws.send(json.dumps({"type": "chat", "text": "x" * (1024 * 1024)}))
            with pytest.raises(ConnectionClosed) as closed:
                await _read_until_closed(ws)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == 1009  # message too big
