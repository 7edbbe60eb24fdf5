"""Writing one room frame to thousands of sockets: encode once, write the bytes to each.

Going through ASGI costs tens of microseconds per socket and frame (a task switch, the
protocol library building the same frame again, a drain), which at 2,000 viewers x 10
frames/s is a whole core. Like `websockets.broadcast`, we build the WebSocket frame once and
hand the same bytes to every connection's transport.

Reaching the transport needs the server's own `send` (uvicorn's protocol object), which the
middleware in between wraps; `CaptureSocket` keeps it in the scope. Anything unexpected
(another server, a closing socket) makes `raw_writer` return None and the viewer falls back
to the ASGI path. A frame sent this way is never compressed, which RFC 7692 allows even when
permessage-deflate was negotiated (RSV1 stays clear).
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

SEND_KEY = "liveshop.server_send"
RawWrite = Callable[[bytes], bool]


def text_frame(payload: str) -> bytes:
    """A final, unmasked text frame (server to client) carrying `payload`."""
    data = payload.encode()
    n = len(data)
    if n < 126:
        head = struct.pack("!BB", 0x81, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 127, n)
    return head + data


class CaptureSocket:
    """Outermost ASGI middleware: remember the server's `send` for WebSocket scopes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SEND_KEY] = send
        await self.app(scope, receive, send)


def raw_writer(scope: Scope, max_buffered: int) -> RawWrite | None:
    """A function writing a prepared frame straight to the socket, or None if we cannot.

    It returns False (writing nothing) when the connection is closing or when more than
    `max_buffered` bytes are already waiting to go out; the caller treats that as a slow
    or gone consumer.
    """
    protocol: Any = getattr(scope.get(SEND_KEY), "__self__", None)
    transport: Any = getattr(protocol, "transport", None)
    needed = ("write", "is_closing", "get_write_buffer_size")
    if transport is None or not all(hasattr(transport, name) for name in needed):
        return None

    def write(frame: bytes) -> bool:
        if transport.is_closing() or transport.get_write_buffer_size() > max_buffered:
            return False
        transport.write(frame)
        return True

    return write
