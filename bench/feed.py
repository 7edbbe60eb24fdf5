"""Feed benchmark: the "For you" feed of signed-in buyers on a busy platform.

Seeds P products (default 100,000) over 200 shops, B buyers (default 10,000) who follow a few
creators and shops, 1,000 shows (some live), and E interaction events (default 1,000,000: 70%
views of products and shows, 30% purchases), skewed so that a few products are popular. Then
starts the real server and asks for the first feed page of 200 random buyers, one at a time,
with the server's bare `/healthz` timed in the same run as the HTTP floor.

    .venv/bin/python bench/feed.py                       # PostgreSQL (the target engine)
    .venv/bin/python bench/feed.py --embedded --products 20000 --buyers 2000 --events 200000

Ends with: RESULT feed p95_ms=… (target ≤ 50 ms on PostgreSQL).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress
from sqlalchemy import insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.flash_sale import free_port, recreate_pg, start, stop  # noqa: E402

from liveshop.accounts.models import AuthToken, Follow, User  # noqa: E402
from liveshop.catalog.models import Product, Shop, Variant, VariantPrice  # noqa: E402
from liveshop.db import create_database, utcnow  # noqa: E402
from liveshop.discovery.models import Interaction, Purchase, SearchDoc, SearchPrice  # noqa: E402
from liveshop.live.shows.models import Show  # noqa: E402
from liveshop.migrate import upgrade  # noqa: E402
from liveshop.orders.models import Order  # noqa: E402

CHUNK = 5000


async def _bulk(conn: Any, model: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), CHUNK):
        await conn.execute(insert(model), rows[i : i + CHUNK])


async def seed(url: str, args: argparse.Namespace, rng: random.Random) -> list[str]:
    db = create_database(url)
    now = utcnow()
    n_products, n_buyers = args.products, args.buyers
    with Progress() as progress:
        task = progress.add_task("seeding", total=6)
        async with db.write.begin() as conn:
            creators = [
                {
                    "id": i + 1,
                    "email": f"c{i}@bench",
                    "handle": f"c{i}",
                    "display_name": f"Creator {i}",
                    "password_hash": "x",
                    "roles": ["creator", "seller"],
                    "market_code": "UK",
                    "created_at": now,
                }
                for i in range(200)
            ]
            buyers = [
                {
                    "id": 1000 + i,
                    "email": f"b{i}@bench",
                    "handle": f"b{i}",
                    "display_name": f"Buyer {i}",
                    "password_hash": "x",
                    "roles": ["buyer"],
                    "market_code": "UK",
                    "created_at": now,
                }
                for i in range(n_buyers)
            ]
            await _bulk(conn, User, creators + buyers)
            shops = [
                {
                    "id": i + 1,
                    "slug": f"s{i}",
                    "name": f"Shop {i}",
                    "description": "",
                    "market_code": "UK",
                    "verification": "verified",
                    "created_at": now,
                }
                for i in range(200)
            ]
            await _bulk(conn, Shop, shops)
        progress.advance(task)
        for start_id in range(1, n_products + 1, 20_000):
            ids = range(start_id, min(start_id + 20_000, n_products + 1))
            products, variants, prices, docs, sprices = [], [], [], [], []
            for pid in ids:
                shop = rng.randint(1, 200)
                created = now - timedelta(minutes=(n_products - pid) * 3)
                stock = 0 if rng.random() < 0.1 else 20
                products.append(
                    {
                        "id": pid,
                        "shop_id": shop,
                        "title": f"Product {pid}",
                        "description": "",
                        "status": "active",
                        "options": [],
                        "images": [],
                        "created_at": created,
                        "updated_at": created,
                    }
                )
                variants.append(
                    {
                        "id": pid,
                        "product_id": pid,
                        "shop_id": shop,
                        "sku": f"B{pid}",
                        "option_values": [],
                        "weight_grams": 0,
                        "stock": stock,
                        "held": 0,
                    }
                )
                prices.append(
                    {"variant_id": pid, "market_code": "UK", "currency": "GBP", "amount": 1000}
                )
                docs.append(
                    {
                        "product_id": pid,
                        "shop_id": shop,
                        "lang": "en",
                        "title_terms": f"product {pid}",
                        "body_terms": "",
                        "listed": True,
                        "in_stock": stock > 0,
                        "sales": 0,
                        "created_at": created,
                    }
                )
                sprices.append({"product_id": pid, "market_code": "UK", "amount": 1000})
            async with db.write.begin() as conn:
                for model, rows in (
                    (Product, products),
                    (Variant, variants),
                    (VariantPrice, prices),
                    (SearchDoc, docs),
                    (SearchPrice, sprices),
                ):
                    await _bulk(conn, model, rows)
        progress.advance(task)
        async with db.write.begin() as conn:
            shows = [
                {
                    "id": i + 1,
                    "host_id": rng.randint(1, 200),
                    "shop_id": rng.randint(1, 200),
                    "title": f"Show {i}",
                    "starts_at": now + timedelta(hours=rng.randint(-48, 96)),
                    "markets": ["UK"],
                    "status": "live" if i < 30 else ("scheduled" if i < 600 else "ended"),
                    "slow_mode_seconds": 0,
                    "keywords": [],
                    "peak_viewers": 0,
                    "unique_viewers": 0,
                    "likes": 0,
                    "created_at": now,
                }
                for i in range(1000)
            ]
            await _bulk(conn, Show, shows)
            follows = []
            for b in range(n_buyers):
                for kind in ("creator", "shop"):
                    for target in rng.sample(range(1, 201), 3):
                        follows.append(
                            {"user_id": 1000 + b, "target_kind": kind, "target_id": target}
                        )
            await _bulk(conn, Follow, follows)
            orders = [
                {
                    "id": 1000 + b,
                    "buyer_id": 1000 + b,
                    "shop_id": 1,
                    "market_code": "UK",
                    "currency": "GBP",
                    "status": "paid",
                    "subtotal_net": 0,
                    "tax_total": 0,
                    "total": 0,
                    "address": {},
                    "source": {},
                    "discounts": [],
                    "created_at": now,
                }
                for b in range(n_buyers)
            ]
            await _bulk(conn, Order, orders)
        progress.advance(task)

        def popular() -> int:  # a few products are bought and viewed far more than others
            return min(int(rng.paretovariate(0.9)), n_products)

        events = args.events
        purchases = int(events * 0.3)
        for start_n in range(0, events, 50_000):
            views, buys = [], []
            for n in range(start_n, min(start_n + 50_000, events)):
                buyer = 1000 + rng.randrange(n_buyers)
                at = now - timedelta(minutes=rng.randint(0, 60 * 24 * 30))
                if n < purchases:
                    buys.append(
                        {
                            "buyer_id": buyer,
                            "product_id": popular(),
                            "order_id": buyer,
                            "market_code": "UK",
                            "quantity": 1,
                            "at": at,
                        }
                    )
                elif rng.random() < 0.1:
                    views.append(
                        {
                            "user_id": buyer,
                            "product_id": None,
                            "show_id": rng.randint(1, 1000),
                            "at": at,
                        }
                    )
                else:
                    views.append(
                        {"user_id": buyer, "product_id": popular(), "show_id": None, "at": at}
                    )
            async with db.write.begin() as conn:
                await _bulk(conn, Purchase, buys)
                await _bulk(conn, Interaction, views)
        progress.advance(task)
        sampled = rng.sample(range(n_buyers), min(args.requests, n_buyers))
        tokens = [uuid.uuid4().hex for _ in sampled]
        async with db.write.begin() as conn:
            await _bulk(
                conn,
                AuthToken,
                [
                    {
                        "user_id": 1000 + b,
                        "token_hash": hashlib.sha256(t.encode()).hexdigest(),
                        "kind": "api",
                        "name": "bench",
                        "created_at": now,
                    }
                    for b, t in zip(sampled, tokens, strict=True)
                ],
            )
            if url.startswith("postgresql"):
                for table in ("users", "shops", "products", "variants", "shows", "orders"):
                    await conn.execute(
                        text(
                            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                            f" (SELECT max(id) FROM {table}))"
                        )
                    )
        progress.advance(task)
        if url.startswith("postgresql"):
            async with db.write.connect() as conn:
                conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text("VACUUM ANALYZE"))
        else:
            async with db.write.begin() as conn:
                await conn.execute(text("ANALYZE"))
        progress.advance(task)
    await db.dispose()
    return tokens


async def fresh_tokens(url: str, args: argparse.Namespace, rng: random.Random) -> list[str]:
    db = create_database(url)
    sampled = rng.sample(range(args.buyers), min(args.requests, args.buyers))
    tokens = [uuid.uuid4().hex for _ in sampled]
    async with db.write.begin() as conn:
        # What later edits of the migration added, for a database an older run seeded.
        await conn.execute(
            text("CREATE INDEX IF NOT EXISTS ix_variants_product_id ON variants (product_id)")
        )
        await _bulk(
            conn,
            AuthToken,
            [
                {
                    "user_id": 1000 + b,
                    "token_hash": hashlib.sha256(t.encode()).hexdigest(),
                    "kind": "api",
                    "name": "bench",
                    "created_at": utcnow(),
                }
                for b, t in zip(sampled, tokens, strict=True)
            ],
        )
    await db.dispose()
    return tokens


async def measure(base: str, tokens: list[str]) -> tuple[list[float], list[float], int]:
    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        for t in tokens[:5]:
            await client.get("/api/v1/feed", headers={"Authorization": f"Bearer {t}"})
        samples = []
        items = 0
        for t in tokens:
            t0 = time.perf_counter()
            r = await client.get("/api/v1/feed", headers={"Authorization": f"Bearer {t}"})
            samples.append((time.perf_counter() - t0) * 1000)
            if r.status_code != 200:
                raise SystemExit(f"feed -> {r.status_code} {r.text[:300]}")
            items += len(r.json()["items"])
        bare = []
        for _ in range(50):
            t0 = time.perf_counter()
            await client.get("/healthz")
            bare.append((time.perf_counter() - t0) * 1000)
    return samples, bare, items


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--buyers", type=int, default=10_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--embedded", action="store_true", help="SQLite instead of PostgreSQL")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a previous run seeded"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    if args.embedded:
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp(prefix='bench-feed-')}/feed.db"
    else:
        url = os.environ.get(
            "LIVESHOP_BENCH_POSTGRES_URL",
            "postgresql+asyncpg://postgres@127.0.0.1:5432/liveshop_test_search",
        )
        if not args.reuse:
            asyncio.run(recreate_pg(url))
    if args.reuse:
        tokens = asyncio.run(fresh_tokens(url, args, rng))
    else:
        upgrade(url)
        t0 = time.monotonic()
        tokens = asyncio.run(seed(url, args, rng))
        print(f"seeded in {time.monotonic() - t0:.0f} s")
    env = {
        **os.environ,
        "LIVESHOP_ENV": "test",
        "LIVESHOP_DATABASE_URL": url,
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_SECRET_KEY": "bench-secret-" + "x" * 32,
    }
    port = free_port()
    server = start(
        [sys.executable, "-m", "liveshop.cli", "serve", "--port", str(port), "--workers", "1"],
        env,
        f"http://127.0.0.1:{port}/healthz",
    )
    try:
        samples, bare, items = asyncio.run(measure(f"http://127.0.0.1:{port}", tokens))
    finally:
        stop(server)
    engine = "sqlite" if args.embedded else "postgres"
    print(
        f"{engine}: feed p50 {statistics.median(samples):.1f} ms, p95 {p95(samples):.1f} ms"
        f" ({items / len(samples):.1f} items a page); bare /healthz p95 {p95(bare):.1f} ms"
    )
    print(
        f"RESULT feed p95_ms={p95(samples):.1f} engine={engine} products={args.products}"
        f" buyers={args.buyers} events={args.events}"
    )


if __name__ == "__main__":
    main()
