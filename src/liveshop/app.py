"""The application factory."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator

from asgi_correlation_id import CorrelationIdMiddleware
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from liveshop import errors, logs, metrics, openapi, wiring
from liveshop.accounts.edge import AuthFloodEdge
from liveshop.analytics.ingest import recorder as analytics
from liveshop.analytics.store import SqlEventStore
from liveshop.api import api_router
from liveshop.broker import create_broker
from liveshop.db import create_database
from liveshop.live.media.nginx import hls_base_url
from liveshop.live.media.supervisor import start_managed
from liveshop.live.room.hub import RoomHub
from liveshop.live.room.wire import CaptureSocket
from liveshop.mail import Mailer
from liveshop.middleware import BodyLimit, Language, Metrics, SecurityHeaders
from liveshop.payments.sandbox import SandboxProvider
from liveshop.ratelimit import Limiter
from liveshop.realtime.ws import router as ws_router
from liveshop.selling.deals import gate as gates
from liveshop.selling.deals.edge import EdgeFirst
from liveshop.settings import Settings, get_settings
from liveshop.web import pages
from liveshop.web.api import router as web_router
from liveshop.web.assets import STATIC_DIR, CachedStatic
from liveshop.worker import run_jobs


def create_app(
    settings: Settings | None = None, *, run_background: bool = True, manage_media: bool = False
) -> FastAPI:
    """The app. `manage_media` runs nginx in this process: `liveshop serve` supervises it in
    its parent instead (once per host, outside the web workers), so only tests ask for it."""
    settings = settings or get_settings()
    wiring.wire(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = create_database(settings.database_url, pool_size=settings.db_pool_size)
        broker = create_broker(settings.redis_url)
        await broker.start()
        app.state.db, app.state.broker = db, broker
        app.state.limiter, app.state.mailer = Limiter(settings.redis_url), Mailer(settings)
        deal_gate = gates.create(settings.redis_url)
        gates.install(deal_gate)
        analytics.configure(
            capacity=settings.analytics_buffer_events,
            flush_events=settings.analytics_flush_events,
            flush_seconds=settings.analytics_flush_seconds,
            heartbeat_seconds=settings.analytics_heartbeat_seconds,
        )
        await analytics.start(SqlEventStore(db))
        app.state.rooms = RoomHub(broker=broker, db=db, settings=settings)
        await app.state.rooms.start()
        app.state.media = await start_managed(settings) if manage_media else None
        app.state.background_jobs = set()  # request-started work (a Shopify import, say)
        tasks = []
        if run_background and settings.runs_jobs_in_web:
            tasks.append(asyncio.create_task(run_jobs(db, broker, settings)))
        # What start-up built lives as long as the app: keep it out of the full collections,
        # which otherwise stalled every request and room for 100-300 ms at a time under load
        # (the login flood test). Only for a serving app, and thawed at shutdown, so that a
        # process that builds many apps (the tests) can still collect what each one left.
        if run_background:
            gc.freeze()
        try:
            yield
        finally:
            if run_background:
                gc.unfreeze()
            if app.state.background_jobs:  # let them finish their batch, then stop them
                await asyncio.wait(set(app.state.background_jobs), timeout=5)
            tasks.extend(app.state.background_jobs)
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if app.state.media is not None:
                await app.state.media.stop()
            await app.state.rooms.close()
            await analytics.stop()  # after the rooms: their viewers' ends are the last events
            await app.state.mailer.close()
            await app.state.limiter.close()
            await deal_gate.close()
            await broker.close()
            await db.dispose()

    if settings.env != "test":
        logs.configure(json_logs=settings.log_json, level=settings.log_level)
    # The sold-out edge runs before all of FastAPI's per-request work (selling/edge.py).
    app = EdgeFirst(
        edge_max_bytes=settings.max_body_bytes,
        title="Liveshop",
        version="0.1.0",
        description="Live shopping: shows, products, orders and payments.",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.provider = SandboxProvider()
    errors.install(app)
    openapi.install(app)
    app.include_router(api_router)
    app.include_router(web_router)
    pages.install(app)
    app.mount("/static", CachedStatic(directory=STATIC_DIR), name="static")
    app.include_router(ws_router)

    @app.get("/healthz", tags=["ops"])
    async def healthz(request: Request) -> JSONResponse:
        """Liveness plus a round trip to the database (and Redis when configured)."""
        checks: dict[str, str] = {}
        try:
            async with request.app.state.db.read.connect() as conn:
                await conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        redis = getattr(request.app.state.broker, "redis", None)
        if redis is not None:
            try:
                await redis.ping()
                checks["redis"] = "ok"
            except Exception as exc:
                checks["redis"] = f"error: {type(exc).__name__}"
        healthy = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", **checks},
            status_code=200 if healthy else 503,
        )

    app.include_router(metrics.router)

    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={"/api/v1/imports/": settings.import_max_bytes},
    )
    app.add_middleware(AuthFloodEdge, settings=settings)
    app.add_middleware(SecurityHeaders, https=settings.https, media=[hls_base_url(settings)])
    app.add_middleware(Metrics)
    app.add_middleware(Language)
    app.add_middleware(CorrelationIdMiddleware, header_name="X-Request-ID")
    app.add_middleware(CaptureSocket)  # for live/wire.py: outermost, sees the server's send
    return app
