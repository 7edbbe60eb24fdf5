"""The stampede's front door: "sold out" answered before routing, auth or the database.

Pure ASGI, outermost: `EdgeFirst` runs it before anything FastAPI or Starlette does for a
request (the per-request telemetry check, the error middleware, every other middleware).
For `POST /api/v1/deals/{id}/buy` it asks the sold-out
gate whether the deal is surely exhausted for this attempt (nothing left, and the gate never
let this token with this Idempotency-Key through, so no earlier answer could be replayed).
If so it answers 409 `sold_out` at once; everything else, including every request without a token,
goes down the full path unchanged. Being early, it does not look the token up: an unknown
token gets "sold out" here rather than 401, which tells it nothing the room does not already
broadcast.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import FastAPI
from prometheus_client import Counter
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Receive, Scope, Send

from liveshop.accounts.deps import SESSION_COOKIE
from liveshop.errors import PROBLEM, problem_body
from liveshop.selling.deals import gate

_BUY = re.compile(r"/api/v1/deals/([1-9][0-9]{0,8})/buy")
_BODY = json.dumps(
    problem_body(409, "sold_out", "Sold out — every unit is taken or held.")
).encode()
_START = {
    "type": "http.response.start",
    "status": 409,
    "headers": [
        (b"content-type", PROBLEM.encode()),
        (b"content-length", str(len(_BODY)).encode()),
    ],
}
ANSWERED = Counter("liveshop_deal_edge_sold_out_total", "Buys answered sold out at the edge")


def _attempt(scope: Scope, max_bytes: int) -> str | None:
    """The gate's name for a small, sized request's attempt; None sends it the full way."""
    token = cookies = key = None
    size = -1
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, rest = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer":
                token = rest.strip()
        elif name == b"cookie":
            cookies = value.decode("latin-1")
        elif name == b"idempotency-key":
            key = value.decode("latin-1")
        elif name == b"content-length" and value.isdigit():
            size = int(value)
    if not 0 <= size <= max_bytes:
        return None  # chunked or too big: the full path streams, limits and answers it
    if token is None and cookies:
        token = cookie_parser(cookies).get(SESSION_COOKIE)
    return gate.attempt(token, key) if token else None


class SoldOutEdge:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            match = _BUY.fullmatch(scope["path"])
            who = _attempt(scope, self.max_bytes) if match else None
            if match and who and await gate.current().surely_sold_out(int(match[1]), who):
                await self._answer(receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _answer(receive: Receive, send: Send) -> None:
        # Read the (ignored, size-checked) body first so the connection stays usable.
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away
            if not message.get("more_body", False):
                break
        ANSWERED.inc()
        await send(_START)
        await send({"type": "http.response.body", "body": _BODY})


class EdgeFirst(FastAPI):
    """FastAPI with the sold-out edge in front of its whole stack, telemetry included.

    A middleware added with `add_middleware` still runs after FastAPI's own per-request
    work; for a stampede's "sold out" that work is most of the cost of the answer.
    """

    def __init__(self, *, edge_max_bytes: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._edge = SoldOutEdge(super().__call__, edge_max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._edge(scope, receive, send)
