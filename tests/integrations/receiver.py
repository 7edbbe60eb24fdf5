"""A real HTTP receiver for webhook tests: uvicorn on a free port, in the test's event loop.

It records every request (headers, raw body, when), checks the Standard Webhooks signature with
its own code (not the sender's), and answers what the test scripts: `plan(msg_id, n)` gives the
status for the n-th arrival (1-based) of a webhook-id; `delay` holds each answer.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import hmac
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import uvicorn

from tests.kits.system import free_port


@dataclass
class Arrival:
    msg_id: str
    timestamp: str
    signature: str
    body: bytes
    status: int
    verified: bool
    at: float


def verify(secret: str, msg_id: str, timestamp: str, body: bytes, signature: str) -> bool:
    """The receiver's side of the spec, written out independently of liveshop's signer."""
    key = base64.b64decode(secret.split("_", 1)[1])
    signed = msg_id.encode() + b"." + timestamp.encode() + b"." + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    fresh = abs(time.time() - int(timestamp)) <= 300
    return fresh and any(
        hmac.compare_digest(part.split(",", 1)[-1], expected) for part in signature.split()
    )


@dataclass
class Receiver:
    port: int
    secret: str = ""
    plan: Callable[[str, int], int] = lambda _msg_id, _n: 200
    delay: float = 0.0
    arrivals: list[Arrival] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def count(self) -> Counter[str]:
        return Counter(a.msg_id for a in self.arrivals)

    def ok(self) -> Counter[str]:
        """Arrivals answered 2xx, per webhook-id: what the receiver acted on."""
        return Counter(a.msg_id for a in self.arrivals if 200 <= a.status < 300)

    async def wait_for(self, n: int, within: float = 20.0) -> None:
        deadline = time.monotonic() + within
        while len(self.arrivals) < n:
            assert time.monotonic() < deadline, f"{len(self.arrivals)} of {n} arrivals"
            await asyncio.sleep(0.05)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        msg_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "0")
        sig = headers.get("webhook-signature", "")
        n = sum(1 for a in self.arrivals if a.msg_id == msg_id) + 1
        status = self.plan(msg_id, n)
        ok = bool(self.secret) and verify(self.secret, msg_id, stamp, body, sig)
        self.arrivals.append(Arrival(msg_id, stamp, sig, body, status, ok, time.monotonic()))
        if self.delay:
            await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": f"answer {status}".encode()})


@contextlib.asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver(port=free_port())
    config = uvicorn.Config(
        receiver, host="127.0.0.1", port=receiver.port, log_level="warning", lifespan="off"
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        assert not task.done(), "the receiver did not start"
        await asyncio.sleep(0.02)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
