"""Health, metrics, problem+json basics, request ids, body limits, migrations."""

from __future__ import annotations

import asyncio
import logging
import re

import httpx

from liveshop import logs
from liveshop.migrate import check


async def test_healthz_reports_database(client: httpx.AsyncClient, settings) -> None:
    r = await client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok"
    if settings.redis_url:
        assert r.json()["redis"] == "ok"


async def test_metrics_count_requests(client: httpx.AsyncClient) -> None:
    await client.get("/api/v1/markets")
    r = await client.get("/metrics")
    assert r.status_code == 200
    assert (
        'liveshop_http_requests_total{method="GET",route="/api/v1/markets",status="200"}' in r.text
    )


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    r = await client.get("/healthz", headers={"X-Request-ID": "a" * 32})
    assert r.headers["x-request-id"] == "a" * 32
    r = await client.get("/healthz")
    assert len(r.headers["x-request-id"]) == 32


async def test_unknown_route_is_problem_json(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/v1/nope")
    assert r.status_code == 404
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "not_found"


async def test_oversized_body_is_refused(client: httpx.AsyncClient) -> None:
    r = await client.post(
        "/api/v1/auth/login",
        content=b"{" + b" " * 70_000 + b"}",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 413
    assert r.json()["code"] == "body_too_large"


async def test_openapi_lists_the_api(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/api/v1/openapi.json")).json()
    assert "/api/v1/orders/{order_id}/payments" in spec["paths"]


async def test_migrations_match_models(database_url: str) -> None:
    """`alembic check`: the models have no change that lacks a migration."""
    await asyncio.to_thread(check, database_url)


def test_http_client_requests_do_not_flood_the_console() -> None:

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logs.configure(json_logs=False, level="INFO")
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)
        assert not logging.getLogger("uvicorn.access").propagate
        quiet = logging.getLogger("uvicorn.error").filters
        socket_line = logging.LogRecord(
            "uvicorn.error", logging.INFO, "", 0, '%s - "WebSocket %s" [accepted]',
            ("127.0.0.1:1", "/ws/shows/1?token=secret"), None,
        )  # fmt: skip
        assert not all(f.filter(socket_line) for f in quiet)
        assert logging.getLogger("liveshop").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.getLogger("httpx").setLevel(logging.NOTSET)


async def test_static_files_are_versioned_and_cached_for_a_year(
    client: httpx.AsyncClient,
) -> None:

    page = (await client.get("/login")).text
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
    assert css, "stylesheets are linked with a version"
    versioned = await client.get(css.group(1))
    assert versioned.status_code == 200
    assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = await client.get("/static/js/common.js")  # what ES modules import
    assert plain.headers["cache-control"] == "no-cache" and plain.headers.get("etag")
