"""Flash-sale benchmark: 10,000 buy attempts from distinct buyers at concurrency 500.

Starts the real server, opens a 500-unit deal (one per buyer) and drives it with wrk and a
Lua script (Debian package wrk): every request is a different buyer with its own
Idempotency-Key. In the same run, under the same server settings and the same load, it
measures a bare Starlette JSON endpoint, and plain wrk against that endpoint to show the
load generator is not the bottleneck.

    .venv/bin/python bench/flash_sale.py              # distributed: PostgreSQL + Redis, 2 workers
    .venv/bin/python bench/flash_sale.py --embedded   # SQLite + in-process gate, 1 process
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import redis as sync_redis
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from liveshop.accounts.models import AuthToken, User  # noqa: E402
from liveshop.accounts.security import hash_password  # noqa: E402
from liveshop.catalog.models import Product, Shop, ShopMember, Variant, VariantPrice  # noqa: E402
from liveshop.db import create_database, create_oneoff_engine, utcnow  # noqa: E402
from liveshop.live.shows.models import Show, ShowProduct  # noqa: E402
from liveshop.migrate import upgrade  # noqa: E402
from liveshop.orders.models import Hold  # noqa: E402
from liveshop.selling.deals.models import FlashDeal  # noqa: E402

UNITS, ATTEMPTS, CONCURRENCY = 500, 10_000, 500


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def recreate_pg(url: str) -> None:
    admin = create_oneoff_engine(make_url(url).set(database="postgres").render_as_string(False))
    name = make_url(url).database
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


async def seed(url: str, buyers: int) -> tuple[int, list[str]]:
    """A seller, a product, a live show with a 500-unit deal open now, and `buyers` tokens."""
    db = create_database(url)
    pw = hash_password("bench-password")
    now = utcnow()
    async with db.write.begin() as conn:

        async def one(model: Any, **values: Any) -> int:
            return int((await conn.execute(insert(model).returning(model.id), values)).scalar_one())

        seller = await one(
            User,
            email="seller@bench",
            handle="benchseller",
            display_name="Seller",
            password_hash=pw,
            roles=["buyer", "seller"],
            market_code="UK",
            created_at=now,
        )
        shop = await one(
            Shop,
            slug="bench",
            name="Bench",
            description="",
            market_code="UK",
            verification="verified",
            created_at=now,
        )
        # The host sells for the shop (every deal buy checks the host's right to sell).
        await conn.execute(insert(ShopMember), [{"shop_id": shop, "user_id": seller}])
        product = await one(
            Product,
            shop_id=shop,
            title="Bench Hoodie",
            description="",
            status="active",
            options=[],
            images=[],
            created_at=now,
            updated_at=now,
        )
        variant = await one(
            Variant,
            product_id=product,
            shop_id=shop,
            sku="BENCH-1",
            option_values=[],
            weight_grams=300,
            stock=UNITS * 2,
            held=UNITS,
        )
        await conn.execute(
            insert(VariantPrice),
            [{"variant_id": variant, "market_code": "UK", "currency": "GBP", "amount": 1999}],
        )
        show = await one(
            Show,
            host_id=seller,
            title="Bench show",
            starts_at=now,
            markets=["UK"],
            status="live",
            created_at=now,
            slow_mode_seconds=0,
            keywords=[],
            peak_viewers=0,
            unique_viewers=0,
            likes=0,
        )
        await conn.execute(
            insert(ShowProduct), [{"show_id": show, "product_id": product, "position": 0}]
        )
        deal = await one(
            FlashDeal,
            show_id=show,
            shop_id=shop,
            product_id=product,
            variant_id=variant,
            created_by=seller,
            prices={"UK": 999},
            stock=UNITS,
            sold=0,
            held=0,
            per_buyer_limit=1,
            opens_at=now - timedelta(seconds=1),
            ends_at=now + timedelta(hours=1),
            status="open",
            released=False,
            created_at=now,
        )
        rows = [
            {
                "email": f"b{i}@bench",
                "handle": f"b{i}",
                "display_name": f"B{i}",
                "password_hash": pw,
                "roles": ["buyer"],
                "market_code": "UK",
                "city": "Leeds",
                "created_at": now,
            }
            for i in range(buyers)
        ]
        ids = list((await conn.execute(insert(User).returning(User.id), rows)).scalars())
        tokens = [uuid.uuid4().hex + uuid.uuid4().hex for _ in ids]
        await conn.execute(
            insert(AuthToken),
            [
                {
                    "user_id": uid,
                    "token_hash": hashlib.sha256(t.encode()).hexdigest(),
                    "kind": "api",
                    "name": "bench",
                    "created_at": now,
                }
                for uid, t in zip(ids, tokens, strict=True)
            ],
        )
    await db.dispose()
    return deal, tokens


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as exc:
            if getattr(exc, "code", None):  # an HTTP error status still means it is up
                return
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


def start(cmd: list[str], env: dict[str, str], probe: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    wait_http(probe, proc)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)


def wrk(args: list[str]) -> tuple[str, float]:
    """wrk's output and its wall-clock seconds (wrk divides by the whole -d window even when
    the Lua script stops every thread early, so rates are computed from this instead)."""
    start = time.monotonic()
    out = subprocess.run(["wrk", *args], capture_output=True, text=True, check=True).stdout
    return out, time.monotonic() - start


def completed(out: str) -> int:
    match = re.search(r"(\d+) requests in", out)
    return int(match.group(1)) if match else 0


def requests_per_second(out: str) -> float:
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    return float(match.group(1)) if match else 0.0


def parse_lua(out: str) -> dict[str, int]:
    found = dict(
        re.findall(r"(\w+)=(\d+)", " ".join(re.findall(r"^(?:STATUS|LAT) .*$", out, re.M)))
    )
    return {k: int(v) for k, v in found.items()}


async def invariant(url: str, deal_id: int) -> tuple[int, int, int, int]:
    db = create_database(url)
    async with db.read.connect() as conn:
        stock, sold, held = (
            await conn.execute(
                select(FlashDeal.stock, FlashDeal.sold, FlashDeal.held).where(
                    FlashDeal.id == deal_id
                )
            )
        ).one()
        holds = (
            await conn.execute(
                select(func.count())
                .select_from(Hold)
                .where(Hold.deal_id == deal_id, Hold.status == "active")
            )
        ).scalar_one()
    await db.dispose()
    return int(stock), int(sold), int(held), int(holds)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--embedded", action="store_true", help="SQLite + in-process gate, 1 process"
    )
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "LIVESHOP_BENCH_POSTGRES_URL",
            "postgresql+asyncpg://postgres@127.0.0.1:5432/liveshop_bench",
        ),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("LIVESHOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
    )
    parser.add_argument(
        "--workers", type=int, default=None, help="server processes (default 2, or 1 embedded)"
    )
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--attempts", type=int, default=ATTEMPTS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY)
    parser.add_argument("--seconds", type=int, default=15, help="duration of each wrk run")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    workers = args.workers or (1 if args.embedded else 2)
    tmp = Path(tempfile.mkdtemp(prefix="liveshop-bench-"))
    if args.embedded:
        url, redis_url = f"sqlite+aiosqlite:///{tmp}/bench.db", None
    else:
        url, redis_url = args.pg, args.redis
        asyncio.run(recreate_pg(url))
        sync_redis.Redis.from_url(redis_url).flushdb()
    upgrade(url)
    deal_id, tokens = asyncio.run(seed(url, args.attempts))
    token_file = tmp / "tokens.txt"
    token_file.write_text("\n".join(tokens) + "\n")
    lua = str(Path(__file__).with_name("flash_sale.lua"))
    c, t = str(args.concurrency), str(args.threads)

    env = {
        **os.environ,
        "LIVESHOP_ENV": "test",
        "LIVESHOP_DATABASE_URL": url,
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_SECRET_KEY": "bench-secret-" + "x" * 32,
    }
    if redis_url:
        env["LIVESHOP_REDIS_URL"] = redis_url
    uvicorn_flags = [
        "--workers",
        str(workers),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--log-level",
        "warning",
        "--no-access-log",
        "--backlog",
        "4096",
    ]

    # 1. The bare Starlette endpoint, same server settings: with the Lua load, and plain wrk.
    port = free_port()
    bare = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.bare_app:app",
            "--port",
            str(port),
            *uvicorn_flags,
        ],
        env,
        f"http://127.0.0.1:{port}/",
    )
    try:
        base = f"http://127.0.0.1:{port}"
        d = f"{args.seconds}s"
        bare_lua, _ = wrk(
            ["-t", t, "-c", c, "-d", d, "-s", lua, base, "--", str(token_file), "/buy", t]
        )
        bare_plain, _ = wrk(["-t", t, "-c", c, "-d", d, base + "/"])
    finally:
        stop(bare)
    bare_rps = requests_per_second(bare_lua)
    plain_rps = requests_per_second(bare_plain)

    # 2. Liveshop's buy endpoint under the same load.
    port = free_port()
    server = start(
        [
            sys.executable,
            "-m",
            "liveshop.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-migrate",
        ],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    try:
        out, _ = wrk(
            [
                "-t",
                t,
                "-c",
                c,
                "-d",
                d,
                "--latency",
                "-s",
                lua,
                f"http://127.0.0.1:{port}",
                "--",
                str(token_file),
                f"/api/v1/deals/{deal_id}/buy",
                t,
            ]
        )
    finally:
        stop(server)
    ours = parse_lua(out)
    ours_rps = requests_per_second(out)
    attempts = completed(out)
    stock, sold, held, holds = asyncio.run(invariant(url, deal_id))
    taken = sold + held
    oversell = max(0, taken - stock) + max(0, ours.get("created", 0) - stock)
    mode = (
        "embedded (SQLite, 1 process)"
        if args.embedded
        else f"distributed (PostgreSQL + Redis, {workers} workers)"
    )
    print(
        f"mode: {mode}; distinct buyers={args.attempts} concurrency={args.concurrency} "
        f"deal units={stock}; attempts in {args.seconds}s: {attempts}"
    )
    print(f"bare Starlette endpoint, wrk + Lua script : {bare_rps:10.0f} req/s")
    print(
        f"bare Starlette endpoint, plain wrk        : {plain_rps:10.0f} req/s  (wrk's own headroom)"
    )
    print(f"liveshop deal buy                         : {ours_rps:10.0f} attempts/s")
    print(
        f"responses: 201={ours.get('created', 0)} 409={ours.get('refused', 0)} "
        f"other={ours.get('other', 0)}"
    )
    print(f"deal after: sold+held={taken}/{stock} active holds={holds}")
    p50, p99 = ours.get("p50_us", 0) / 1000, ours.get("p99_us", 0) / 1000
    print(
        f"RESULT flash_sale ratio_vs_bare={ours_rps / bare_rps:.2f} oversell={oversell} "
        f"sold={taken}/{stock} p50_ms={p50:.1f} p99_ms={p99:.1f}"
    )
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
