"""Prometheus metrics for operators: one set of figures across uvicorn's workers.

`liveshop serve` points PROMETHEUS_MULTIPROC_DIR at an emptied directory before any worker
starts, so each worker writes its samples there and a scrape, whichever worker answers it,
adds up every worker's (prometheus-client's multi-process mode). Without it (tests, a single
`create_app`), the process's own registry is served.

`/metrics` is for operators only: with LIVESHOP_METRICS_TOKEN set it wants
`Authorization: Bearer <token>`; without, it answers only local clients that came through
no proxy.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from liveshop.errors import Problem

ENV = "PROMETHEUS_MULTIPROC_DIR"

WS_CONNECTIONS = Gauge(
    "liveshop_ws_connections",
    "Open room WebSocket connections",
    multiprocess_mode="livesum",  # a dead worker's connections are gone with it
)
SLOW_CONSUMER_CUTOFFS = Counter(
    "liveshop_ws_slow_consumer_cutoffs_total",
    "Room viewers disconnected because they stopped reading (they resume with ?after=)",
)
GATE_FALLBACKS = Counter(
    "liveshop_deal_gate_fallbacks_total",
    "Deal-gate look-ups that failed (Redis away), so the database decided",
    ["step"],
)
SWEEP_SECONDS = Histogram(
    "liveshop_sweep_seconds",
    "Duration of one pass of a background sweep",
    ["sweep"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SWEEP_FAILURES = Counter(
    "liveshop_sweep_failures_total", "Background sweep passes that failed", ["sweep"]
)
LOGIN_REFUSALS = Counter(
    "liveshop_login_refusals_total",
    "Login, sign-up and password-reset attempts refused (bad credentials, rate limit)",
    ["reason"],
)


@contextmanager
def sweep(name: str) -> Iterator[None]:
    """Time one pass of sweep `name`; a pass that raises counts as a failure (and re-raises)."""
    started = time.perf_counter()
    try:
        yield
    except Exception:
        SWEEP_FAILURES.labels(name).inc()
        raise
    finally:
        SWEEP_SECONDS.labels(name).observe(time.perf_counter() - started)


# --- multi-process mode ----------------------------------------------------------------------


_LIVE_FILE = re.compile(r"gauge_live\w*?_(\d+)\.db$")


def _forget_dead_workers(path: Path) -> None:
    # uvicorn has no child-exit hook (gunicorn's usual place for this): a worker that died
    # would keep its "live" gauges (open connections) forever.
    for file in path.glob("gauge_live*.db"):
        match = _LIVE_FILE.search(file.name)
        if match is None:
            continue
        pid = int(match.group(1))
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            multiprocess.mark_process_dead(pid, str(path))  # type: ignore[no-untyped-call]
        except PermissionError:
            pass


def render() -> bytes:
    directory = os.environ.get(ENV)
    if not directory:
        return generate_latest()
    _forget_dead_workers(Path(directory))
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


# --- the endpoint ----------------------------------------------------------------------------

router = APIRouter()
_LOCAL = {"127.0.0.1", "::1", "localhost"}
_PROXY_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")


def _allowed(request: Request) -> bool:
    token: str | None = request.app.state.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    client = request.client.host if request.client else ""
    return client in _LOCAL and not any(h in request.headers for h in _PROXY_HEADERS)


@router.get("/metrics", tags=["ops"], include_in_schema=False)
async def metrics(request: Request) -> PlainTextResponse:
    """Prometheus exposition, for operators only (see the module docstring)."""
    if not _allowed(request):
        raise Problem(
            403, "metrics_forbidden", "Metrics need the operator token (LIVESHOP_METRICS_TOKEN)."
        )
    return PlainTextResponse(render().decode(), media_type=CONTENT_TYPE_LATEST)
