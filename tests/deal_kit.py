"""Shared set-up for flash-deal tests: many buyers fast, a show with a deal, a real server."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import signal
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, update

from liveshop.accounts.models import AuthToken, User
from liveshop.accounts.security import hash_password
from liveshop.db import Database, utcnow
from liveshop.selling.deals.models import FlashDeal
from liveshop.settings import Settings
from tests.factories import Actor, Api, address
from tests.system import free_port

ROOT = Path(__file__).resolve().parents[1]


async def bulk_buyers(db: Database, n: int, market: str = "UK") -> list[Actor]:
    """Insert `n` buyers with bearer tokens in one go (signing up 2,000 through HTTP is slow)."""
    password = hash_password("bulk-buyer-password")
    tag = uuid.uuid4().hex[:6]
    users = [
        {
            "email": f"b{i}-{tag}@bulk.example",
            "handle": f"b{i}{tag}",
            "display_name": f"Buyer {i}",
            "password_hash": password,
            "roles": ["buyer"],
            "market_code": market,
            "city": "Leeds",
            "created_at": utcnow(),
        }
        for i in range(n)
    ]
    async with db.write.begin() as conn:
        ids = list((await conn.execute(insert(User).returning(User.id), users)).scalars())
        tokens = [uuid.uuid4().hex + uuid.uuid4().hex for _ in ids]
        await conn.execute(
            insert(AuthToken),
            [
                {
                    "user_id": uid,
                    "token_hash": hashlib.sha256(t.encode()).hexdigest(),
                    "kind": "api",
                    "name": "bulk",
                    "created_at": utcnow(),
                }
                for uid, t in zip(ids, tokens, strict=True)
            ],
        )
    return [
        Actor(uid, u["email"], t, market, {"Authorization": f"Bearer {t}"})
        for uid, u, t in zip(ids, users, tokens, strict=True)
    ]


async def show_with_deal(
    api: Api,
    client: httpx.AsyncClient,
    *,
    stock: int,
    limit: int = 1,
    variant_stock: int | None = None,
) -> tuple[Actor, dict[str, Any], dict[str, Any]]:
    """A seller's show with one product and a deal on it (still counting down)."""
    seller = await api.user("seller")
    shop = await api.shop(seller)
    product = await api.product(
        seller, shop["id"], stock=variant_stock or stock * 2, prices={"UK": 1999}
    )
    r = await client.post(
        "/api/v1/shows",
        headers=seller.headers,
        json={
            "title": "Deal night",
            "starts_at": "2030-01-01T18:00:00Z",
            "markets": ["UK"],
            "shop_id": shop["id"],
            "product_ids": [product["id"]],
        },
    )
    assert r.status_code == 201, r.text
    show = r.json()
    r = await client.post(
        f"/api/v1/shows/{show['id']}/deals",
        headers=seller.headers,
        json={
            "variant_id": product["variants"][0]["id"],
            "prices": {"UK": 999},
            "stock": stock,
            "per_buyer_limit": limit,
            "countdown_seconds": 10,
            "duration_seconds": 600,
        },
    )
    assert r.status_code == 201, r.text
    return seller, show, r.json()


async def open_now(db: Database, deal_id: int) -> None:
    """Skip the countdown (the clock task would open it after 10 s)."""
    async with db.write.begin() as conn:
        await conn.execute(
            update(FlashDeal)
            .where(FlashDeal.id == deal_id)
            .values(opens_at=utcnow() - timedelta(seconds=1), status="open")
        )


def buy_body(market: str = "UK") -> dict[str, Any]:
    return {"market": market, "quantity": 1, "address": address(market)}


def worker_pids(base: str) -> list[int]:
    """The web worker processes of the `liveshop serve` listening at `base` (read from /proc)."""
    port = base.rsplit(":", 1)[1].encode()
    table: dict[int, tuple[int, list[bytes]]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue  # gone meanwhile
        table[int(entry.name)] = (ppid, argv)
    servers = {pid for pid, (_, argv) in table.items() if b"serve" in argv and port in argv}
    return sorted(
        pid
        for pid, (ppid, argv) in table.items()
        if ppid in servers and any(b"spawn_main" in arg for arg in argv)
    )


@contextlib.asynccontextmanager
async def real_server(
    settings: Settings, *, workers: int, env: dict[str, str] | None = None
) -> AsyncIterator[str]:
    """`liveshop serve` as a child process; yields its base URL."""
    port = free_port()
    child_env = {
        **os.environ,
        "LIVESHOP_ENV": "test",
        "LIVESHOP_DATABASE_URL": settings.database_url,
        "LIVESHOP_SECRET_KEY": settings.secret_key,
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_SWEEP_INTERVAL_SECONDS": str(settings.sweep_interval_seconds),
        **({"LIVESHOP_REDIS_URL": settings.redis_url} if settings.redis_url else {}),
        **(env or {}),
    }
    log = tempfile.NamedTemporaryFile(prefix="liveshop-server-", suffix=".log", delete=False)  # noqa: SIM115
    proc = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "liveshop.cli", "serve", "--port", str(port)),
        *("--workers", str(workers), "--no-migrate"),
        env=child_env,
        cwd=ROOT,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=log,  # a file, not a pipe: a chatty server must never block on a full pipe
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(150):
                if proc.returncode is not None:
                    raise RuntimeError(f"server exited, see {log.name}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await probe.get(f"{base}/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.1)
            else:
                raise RuntimeError("server did not start")
        yield base
    finally:
        # The whole process group: uvicorn's worker processes too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 10)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            await proc.wait()
        log.close()
