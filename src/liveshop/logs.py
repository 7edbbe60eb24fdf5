"""JSON log lines carrying the request id (from asgi-correlation-id)."""

from __future__ import annotations

import logging
import sys

from asgi_correlation_id import CorrelationIdFilter
from pythonjsonlogger.json import JsonFormatter


class _QuietSockets(logging.Filter):
    """Drop uvicorn's line per WebSocket: it is noise, and its URL can carry ?token=."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (
            message in ("connection open", "connection closed") or '"WebSocket /' in message
        )


def configure(*, json_logs: bool, level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(CorrelationIdFilter(uuid_length=32, default_value="-"))
    if json_logs:
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(correlation_id)s",
                rename_fields={"correlation_id": "request_id", "levelname": "level"},
            )
        )
    else:
        handler.setFormatter(
            logging.Formatter(
                "%(asctime)s %(levelname)s [%(correlation_id)s] %(name)s: %(message)s"
            )
        )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    errors = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietSockets) for f in errors.filters):
        errors.addFilter(_QuietSockets())
    # No access log (`liveshop serve` asks uvicorn for none): a line per request would bury
    # the rest, and paths can carry tokens. Requests are counted in /metrics instead.
    access = logging.getLogger("uvicorn.access")
    access.handlers[:] = []
    access.propagate = False
    # The media monitor polls nginx every few seconds: httpx's per-request INFO lines would
    # bury everything an operator needs to read.
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(max(logging.WARNING, logging.getLevelName(level)))
