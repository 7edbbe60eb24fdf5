"""Helpers for the live-room tests: a recording WebSocket client (serve the app with
`tests.kits.server.serve_app`)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import time
from collections.abc import Callable
from typing import Any, get_args

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from liveshop.live.room.events import room_event
from liveshop.realtime.protocol import Frame
from liveshop.selling.room_events import SellingEvent
from tests.kits.factories import Actor, Api
from tests.kits.shows import live_show

ROOM_TYPES = {
    "show_state",
    "chat",
    "like_count",
    "viewers",
    "pin",
    "unpin",
    "pinned_message",
    "slow_mode",
    "stock",
    "purchase",
    "moderation",
}
# Selling events are numbered room events too, but the room state does not fold them.
SELLING_TYPES = {m.model_fields["type"].default for m in get_args(get_args(SellingEvent)[0])}
NUMBERED = ROOM_TYPES | SELLING_TYPES


class RoomClient:
    """A viewer: records every frame (validated against the schema) and checks `seq`."""

    def __init__(self, ws: ClientConnection, seq: int = 0) -> None:
        self.ws = ws
        self.frames: list[Frame] = []
        self.seq = seq  # a resuming client carries on counting from where it was
        self.close_code: int | None = None
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def connect(
        cls,
        base: str,
        show_id: int,
        *,
        token: str | None = None,
        after: int | None = None,
        rcvbuf: int | None = None,
        max_queue: int = 1024,
    ) -> RoomClient:
        params = {k: v for k, v in {"token": token, "after": after}.items() if v is not None}
        query = "&".join(f"{k}={v}" for k, v in params.items())
        url = f"{base}/ws/shows/{show_id}" + (f"?{query}" if query else "")
        sock = None
        if rcvbuf is not None:
            # A small receive buffer makes a client that stops reading stall the server quickly.
            sock = socket.socket()
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
            sock.setblocking(False)
            host, port = base.removeprefix("ws://").split(":")
            await asyncio.get_running_loop().sock_connect(sock, (host, int(port)))
        ws = await connect(url, sock=sock, compression=None, max_queue=max_queue)
        return cls(ws, after or 0)

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                frame = Frame.model_validate_json(raw)
                self._check_seq(frame, json.loads(raw))
                self.frames.append(frame)
                self._changed.set()
        except ConnectionClosed:
            pass
        finally:
            self.close_code = self.ws.close_code
            self._changed.set()

    def _check_seq(self, frame: Frame, raw: dict[str, Any]) -> None:
        numbered = [e for e in raw["events"] if e["type"] in NUMBERED]
        if any(e["type"] == "snapshot" for e in raw["events"]):
            assert frame.seq >= 0
        elif numbered:
            assert len(numbered) == len(raw["events"]), "room and personal events mixed"
            assert frame.seq - len(numbered) == self.seq, (self.seq, raw)  # no gap, no repeat
        else:
            assert frame.seq == self.seq, (self.seq, raw)
        self.seq = frame.seq

    @property
    def events(self) -> list[Any]:
        return [e for f in self.frames for e in f.events]

    def of(self, kind: str) -> list[Any]:
        return [e for e in self.events if e.type == kind]

    def room_events(self) -> list[Any]:
        return [
            room_event.validate_python(e.model_dump()) for e in self.events if e.type in ROOM_TYPES
        ]

    async def wait(self, pred: Callable[[RoomClient], Any], within: float = 15.0) -> Any:
        # Generous: a loaded CI machine can starve the server for seconds; a pass is quick.
        deadline = time.monotonic() + within
        while True:
            result = pred(self)
            if result:
                return result
            if self._reader.done():
                self._reader.result()  # a frame that broke the protocol fails the test here
                raise AssertionError(f"closed ({self.close_code}) while waiting")
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"timed out; got {[e.type for e in self.events]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)

    async def wait_closed(self, within: float = 5.0) -> int | None:
        await asyncio.wait_for(asyncio.shield(self._reader), within)
        return self.close_code

    async def send(self, message: dict[str, Any] | str) -> None:
        await self.ws.send(message if isinstance(message, str) else json.dumps(message))

    async def chat(self, text: str, ref: str | None = None) -> None:
        await self.send({"type": "chat", "text": text, **({"ref": ref} if ref else {})})

    async def close(self) -> None:
        await self.ws.close()
        with contextlib.suppress(Exception):
            await self._reader


def chat_texts(client: RoomClient) -> list[str]:
    return [e.text for e in client.of("chat")]


async def make_show(
    api: Api, client: httpx.AsyncClient, *, products: int = 1, stock: int = 10, live: bool = True
) -> tuple[Actor, dict[str, Any], list[dict[str, Any]]]:
    """The show factory as the room tests use it: UK and DE prices, selling in the UK, live
    through the service (the room hears it) unless told otherwise."""
    made = await live_show(
        api,
        client,
        products=products,
        stock=stock,
        prices={"UK": 1250, "DE": 1499},
        markets=["UK"],
        title="Room test",
        live="room" if live else None,
    )
    return made.seller, made.show, made.products
