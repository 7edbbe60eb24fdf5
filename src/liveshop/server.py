"""Limits of the HTTP server itself, before any request reaches the application.

`liveshop serve` runs uvicorn with httptools, which (unlike h11) buffers a request head of any
size: a 10 MB header was accepted, and twenty of them doubled the server's memory. WebSocket
frames are likewise buffered whole before the room can refuse them (uvicorn's default: 16 MiB).
"""

from __future__ import annotations

import json

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from liveshop.errors import PROBLEM, problem_body

MAX_HEAD_BYTES = 64 * 1024  # request line plus headers; browsers send a few KiB
WS_MAX_BYTES = 64 * 1024  # room messages are at most 4 KB of JSON (live/ws.py)
LINGER_SECONDS = 2.0


class BoundedHttpTools(HttpToolsProtocol):
    """httptools with a bound on the request head: past it, 431 and the connection closes."""

    _head_bytes = 0
    _in_head = True
    _refused = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head, self._head_bytes = True, 0

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # read and dropped, so that closing does not reset the 431 away
        if self._in_head:
            self._head_bytes += len(data)
        super().data_received(data)
        # Checked after parsing, so a read that finishes the head (and starts the body) passes;
        # memory stays within the bound plus one read.
        if self._in_head and self._head_bytes > MAX_HEAD_BYTES and not self.transport.is_closing():
            self._send_431()

    def _send_431(self) -> None:
        detail = f"Request line and headers are limited to {MAX_HEAD_BYTES} bytes."
        body = json.dumps(problem_body(431, "headers_too_large", detail)).encode()
        head = (
            "HTTP/1.1 431 Request Header Fields Too Large\r\n"
            f"content-type: {PROBLEM}\r\n"
            f"content-length: {len(body)}\r\n"
            "connection: close\r\n\r\n"
        )
        self.transport.write(head.encode() + body)
        # Closing with unread bytes makes the kernel send RST, which can destroy the answer
        # before the client reads it: half-close, drop what still arrives, close a bit later.
        self._refused = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)
