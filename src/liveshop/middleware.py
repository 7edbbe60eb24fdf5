"""Pure-ASGI middleware: body size limit, security headers and Prometheus request metrics."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from urllib.parse import urlsplit

from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from liveshop.errors import PROBLEM, problem_body
from liveshop.i18n import activate
from liveshop.i18n.web import page_language

API_PREFIX = "/api/v1"

REQUESTS = Counter("liveshop_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "liveshop_http_request_seconds",
    "HTTP request latency",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)


class _TooLarge(HTTPException):
    """An HTTPException, so that FastAPI's body parsing lets it through as 413, not 400."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"Request bodies are limited to {limit} bytes.")


async def _send_413(send: Send, limit: int) -> None:
    await _send_problem(
        send, 413, "body_too_large", f"Request bodies are limited to {limit} bytes."
    )


async def _send_problem(send: Send, status: int, code: str, detail: str) -> None:
    body = json.dumps(problem_body(status, code, detail)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        """`larger`: path prefix -> its own limit (file uploads)."""
        self.app, self.default_max = app, max_bytes
        self.larger = larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = next(
            (n for prefix, n in self.larger.items() if scope["path"].startswith(prefix)),
            self.default_max,
        )
        if b"%00" in scope.get("query_string", b"") or "\x00" in scope["path"]:
            # NUL is in no valid name or id, and PostgreSQL refuses it in any text parameter.
            await _send_problem(send, 422, "validation_error", "URLs must not contain NUL.")
            return
        for name, value in scope.get("headers", ()):
            if name == b"content-length" and value.isdigit() and int(value) > limit:
                await _send_413(send, limit)
                return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await _send_413(send, limit)


def _route_of(scope: Scope) -> str:
    """The matched route's template, so ids do not explode label cardinality."""
    path = getattr(scope.get("route"), "path", None)
    if not path:
        return "unmatched"
    # Routes included under the API prefix report their path without it.
    if scope["path"].startswith(API_PREFIX) and not path.startswith(API_PREFIX):
        return f"{API_PREFIX}{path}"
    return str(path)


class Metrics:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route, method = _route_of(scope), scope["method"]
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(time.perf_counter() - start)


DOCS_PATH = "/api/docs"  # Swagger UI: an inline script and a CDN, so its own looser policy


def content_security_policy(media: Sequence[str] = ()) -> str:
    """Scripts and styles only from our own files (no inline script, so an injected `<script>`
    does not run); HLS may come from the media server's origin; nobody may frame us."""
    origins = " ".join(
        sorted({f"{p.scheme}://{p.netloc}" for p in map(urlsplit, media) if p.netloc})
    )
    media_src = f" {origins}" if origins else ""
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data: blob: https:",  # product pictures may live on any https host
            f"media-src 'self' blob:{media_src}",
            f"connect-src 'self'{media_src}",
            "worker-src 'self' blob:",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeaders:
    """CSP, no framing, no MIME sniffing, a referrer policy, and HSTS when served over https."""

    def __init__(self, app: ASGIApp, *, https: bool, media: Sequence[str] = ()) -> None:
        self.app = app
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"x-frame-options", b"DENY"),  # for browsers without CSP frame-ancestors
        ]
        if https:
            common.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.headers = [
            *common,
            (b"content-security-policy", content_security_policy(media).encode()),
        ]
        self.docs_headers = [
            *common,
            (b"content-security-policy", b"frame-ancestors 'none'; object-src 'none'"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if scope["path"] == DOCS_PATH else self.headers

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", ())}
                message["headers"] = [
                    *message.get("headers", ()),
                    *(h for h in extra if h[0] not in present),
                ]
            await send(message)

        await self.app(scope, receive, with_headers)


class Language:
    """Every HTTP request runs in its language (chosen cookie, else Accept-Language), so texts
    made while answering it — a problem's detail, a sign-up e-mail — are in that language."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            activate(page_language(HTTPConnection(scope)))
        await self.app(scope, receive, send)
