"""Webhook delivery benchmark: Liveshop's outbox job against bare signed POSTs.

Starts a receiver (a bare ASGI app under uvicorn, its own process) and the real server
(`liveshop serve`, SQLite in a temp dir, background jobs in the web process). Puts N outbox
rows in at once, as N committed changes would, and measures how long the delivery job takes
until the receiver has all N (each checked once by webhook-id). Then sends the same N signed
bodies straight from an httpx client with the job's concurrency: the baseline.

    .venv/bin/python bench/webhooks.py --deliveries 2000
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import insert

from liveshop.accounts.models import User
from liveshop.catalog.models import Shop
from liveshop.db import create_oneoff_engine, utcnow
from liveshop.integrations.webhooks import outbox, signing
from liveshop.integrations.webhooks.models import WebhookDelivery, WebhookEndpoint
from liveshop.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
BATCH = 20  # the job's default concurrency (LIVESHOP_WEBHOOK_BATCH)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- the receiver (run as `bench/webhooks.py --receiver PORT`) -------------------------------

seen: set[str] = set()


async def receiver_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    if scope["method"] == "GET":
        body = str(len(seen)).encode()
    else:
        headers = dict(scope["headers"])
        seen.add(headers.get(b"webhook-id", b"").decode())
        body = b"ok"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _run_receiver(port: int) -> None:
    uvicorn.run(receiver_app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")


# --- the run -------------------------------------------------------------------------------


async def _seed(url: str, hook: str) -> None:
    engine = create_oneoff_engine(url)
    try:
        async with engine.begin() as conn:
            user_id = (
                await conn.execute(
                    insert(User)
                    .values(
                        email="bench@example.com",
                        handle="bench",
                        display_name="Bench",
                        password_hash="x",
                        roles=["seller"],
                        market_code="UK",
                        created_at=utcnow(),
                    )
                    .returning(User.id)
                )
            ).scalar_one()
            shop_id = (
                await conn.execute(
                    insert(Shop)
                    .values(name="Bench", slug="bench", market_code="UK", created_at=utcnow())
                    .returning(Shop.id)
                )
            ).scalar_one()
            await conn.execute(
                insert(WebhookEndpoint).values(
                    owner_kind="shop",
                    owner_id=shop_id,
                    url=hook,
                    description="",
                    events=["order.paid"],
                    secret=signing.new_secret(),
                    enabled=True,
                    consecutive_failures=0,
                    created_by=user_id,
                    created_at=utcnow(),
                )
            )
    finally:
        await engine.dispose()


async def _enqueue(url: str, endpoint_id: int, n: int) -> None:
    engine = create_oneoff_engine(url)
    try:
        async with engine.begin() as conn:
            now = utcnow()
            await conn.execute(
                insert(WebhookDelivery),
                [
                    {
                        "endpoint_id": endpoint_id,
                        "msg_id": outbox.new_msg_id(),
                        "event_type": "order.paid",
                        "event_key": f"bench:{i}:{uuid.uuid4().hex}",
                        "body": outbox.body_of("order.paid", {"id": i, "total": 999}),
                        "status": "pending",
                        "attempts": 0,
                        "next_attempt_at": now,
                        "created_at": now,
                    }
                    for i in range(n)
                ],
            )
    finally:
        await engine.dispose()


async def _count(client: httpx.AsyncClient, hook: str) -> int:
    return int((await client.get(hook)).text)


async def _wait_for(client: httpx.AsyncClient, hook: str, n: int, within: float) -> None:
    deadline = time.monotonic() + within
    while await _count(client, hook) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"only {await _count(client, hook)} of {n} arrived")
        await asyncio.sleep(0.02)


async def _baseline(hook: str, n: int) -> float:
    secret = signing.new_secret()
    bodies = [outbox.body_of("order.paid", {"id": i, "total": 999}) for i in range(n)]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=BATCH)) as client:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                msg_id = outbox.new_msg_id()
                headers = signing.headers([secret], msg_id, int(time.time()), body)
                (await client.post(hook, content=body, headers=headers)).raise_for_status()

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(BATCH)))
        return time.monotonic() - started


def start(url: str) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes], str, int]:
    """The receiver and the server, as child processes."""
    rport, sport = _free_port(), _free_port()
    receiver = subprocess.Popen([sys.executable, __file__, "--receiver", str(rport)])
    env = {
        **os.environ,
        "LIVESHOP_ENV": "test",
        "LIVESHOP_DATABASE_URL": url,
        "LIVESHOP_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_JOBS_IN_WEB": "true",
        "LIVESHOP_WEBHOOK_POLL_SECONDS": "0.05",
    }
    env.pop("LIVESHOP_REDIS_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "liveshop.cli", "serve", "--port", str(sport), "--no-migrate"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    return receiver, server, f"http://127.0.0.1:{rport}/hook", sport


async def main(n: int, url: str, hook: str, sport: int) -> None:
    async with httpx.AsyncClient(timeout=5) as client:
        for _ in range(200):
            try:
                await client.get(f"http://127.0.0.1:{sport}/healthz")
                await _count(client, hook)
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)
        await _seed(url, hook)
        await asyncio.sleep(1)  # the server's job takes its lease
        await _enqueue_all(url, n)
        started = time.monotonic()
        await _wait_for(client, hook, n, within=max(60.0, n / 10))
        liveshop_s = time.monotonic() - started
        base_s = await _baseline(hook, n)
        total = await _count(client, hook)
    print(f"liveshop: {n} deliveries in {liveshop_s:.2f} s; bare: {base_s:.2f} s")
    print(
        f"RESULT webhooks deliveries={n} per_s={n / liveshop_s:.0f} "
        f"baseline_per_s={n / base_s:.0f} unique_ids={total}"
    )


async def _enqueue_all(url: str, n: int) -> None:
    engine = create_oneoff_engine(url)
    try:
        async with engine.connect() as conn:
            endpoint_id = (await conn.execute(WebhookEndpoint.__table__.select().limit(1))).one().id
    finally:
        await engine.dispose()
    await _enqueue(url, endpoint_id, n)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--receiver", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.receiver:
        _run_receiver(args.receiver)
    else:
        tmp = Path(tempfile.mkdtemp(prefix="liveshop-bench-webhooks-"))
        db_url = f"sqlite+aiosqlite:///{tmp / 'bench.db'}"
        upgrade(db_url)  # before the event loop: migrations run their own
        receiver, server, hook, sport = start(db_url)
        try:
            asyncio.run(main(args.deliveries, db_url, hook, sport))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(10)
            receiver.terminate()
            receiver.wait(10)
