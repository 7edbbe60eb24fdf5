"""Search benchmark: ranked top-20 product search on a large catalogue, on SQLite and PostgreSQL.

Builds N products (default 1,000,000) whose titles and descriptions draw words from a
vocabulary with a Zipf-like skew (a few words are everywhere, most are rare), starts the real
server on each engine, and times 200 realistic queries (common words, two words, prefixes,
typos and filters) one at a time through HTTP. In the same run it times today's `LIKE` search
(the catalog's listing without discovery, in process) on the same data and the server's bare
`/healthz` (the HTTP floor).

    .venv/bin/python bench/search.py                          # both engines, 1,000,000 products
    .venv/bin/python bench/search.py --products 100000 --engines sqlite
    LIVESHOP_BENCH_POSTGRES_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/liveshop_bench \\
        .venv/bin/python bench/search.py --engines postgres

The final line: RESULT search products=… sqlite_p95_ms=… postgres_p95_ms=… ratio_vs_like=…
(`ratio_vs_like`: the LIKE search's p95 over discovery's p95, worst engine; higher is better).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.progress import Progress
from sqlalchemy import insert, text
from sqlalchemy.ext.asyncio import AsyncSession

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.flash_sale import free_port, recreate_pg, start, stop  # noqa: E402

from liveshop.accounts.models import User  # noqa: E402
from liveshop.catalog import service as catalog  # noqa: E402
from liveshop.catalog.models import Product, Shop, Variant, VariantPrice  # noqa: E402
from liveshop.db import create_database, utcnow  # noqa: E402
from liveshop.discovery.models import SearchDoc, SearchPrice, SearchWord  # noqa: E402
from liveshop.discovery.text import index_terms, words  # noqa: E402
from liveshop.migrate import upgrade  # noqa: E402

COMMON = (  # noqa: SIM905 - a word list reads better as text
    "black white grey blue red green navy pink cotton wool linen leather denim silk cashmere "
    "hoodie shirt dress jacket coat jeans skirt sweater cardigan trainers sneakers boots bag "
    "scarf hat beanie socks mug lamp candle cushion blanket towel bottle case charger speaker "
    "headphones watch ring necklace earrings bracelet wallet backpack organic vintage classic "
    "oversized slim relaxed cropped waterproof lightweight handmade recycled premium soft warm "
    "summer winter kids women men unisex large small mini set pack gift limited edition"
).split()
SYLLABLES = "ka lo mi ra ne to su vi da pe ri zo la mu fe no ti sa ke bo ju wa".split()  # noqa: SIM905


def vocabulary(size: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    vocab = list(dict.fromkeys(COMMON))
    seen = set(vocab)
    while len(vocab) < size:
        w = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
        if w not in seen:
            seen.add(w)
            vocab.append(w)
    return vocab


class Zipf:
    def __init__(self, vocab: list[str], s: float, rng: random.Random) -> None:
        self.vocab = vocab
        self.rng = rng
        total = 0.0
        self.cum = []
        for rank in range(1, len(vocab) + 1):
            total += 1 / rank**s
            self.cum.append(total)

    def draw(self, k: int) -> list[str]:
        return self.rng.choices(self.vocab, cum_weights=self.cum, k=k)


async def seed(url: str, n: int, vocab: list[str], rng: random.Random) -> None:
    db = create_database(url)
    zipf = Zipf(vocab, 1.05, rng)
    now = utcnow()
    pg = url.startswith("postgresql")
    async with db.write.begin() as conn:
        if pg:
            await conn.execute(text("DROP INDEX IF EXISTS ix_search_docs_tsv"))
        user = {
            "email": "seller@bench",
            "handle": "benchseller",
            "display_name": "Bench Seller",
            "password_hash": "x",
            "roles": ["seller"],
            "market_code": "UK",
            "created_at": now,
        }
        uid = (await conn.execute(insert(User).returning(User.id), user)).scalar_one()
        shops = []
        for i in range(50):
            shops.append(
                (
                    await conn.execute(
                        insert(Shop).returning(Shop.id),
                        {
                            "slug": f"bench-{i}",
                            "name": f"Bench shop {i}",
                            "description": "",
                            "market_code": "UK",
                            "verification": "verified",
                            "created_at": now,
                        },
                    )
                ).scalar_one()
            )
        del uid
    chunk = 5000
    vocab_seen: set[str] = set()
    with Progress() as progress:
        task = progress.add_task(f"seeding {n:,} products", total=n)
        for start_id in range(1, n + 1, chunk):
            ids = range(start_id, min(start_id + chunk, n + 1))
            products, variants, prices, docs, sprices = [], [], [], [], []
            for pid in ids:
                title_words = zipf.draw(rng.randint(2, 5))
                title = " ".join(title_words).title()
                desc = " ".join(zipf.draw(rng.randint(6, 14)))
                shop = shops[min(int(rng.paretovariate(1.2)) - 1, len(shops) - 1)]
                created = now - timedelta(minutes=n - pid)
                amount = rng.randint(300, 20000)
                stock = 0 if rng.random() < 0.1 else rng.randint(1, 50)
                products.append(
                    {
                        "id": pid,
                        "shop_id": shop,
                        "title": title,
                        "description": desc,
                        "status": "active",
                        "options": [],
                        "images": [],
                        "max_per_buyer": None,
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
                    {
                        "variant_id": pid,
                        "market_code": "UK",
                        "currency": "GBP",
                        "amount": amount,
                        "compare_at": None,
                    }
                )
                docs.append(
                    {
                        "product_id": pid,
                        "shop_id": shop,
                        "lang": "en",
                        "title_terms": " ".join(index_terms(title, "en")),
                        "body_terms": " ".join(index_terms(desc, "en")),
                        "category": None,
                        "listed": True,
                        "in_stock": stock > 0,
                        "sales": int(rng.paretovariate(1.5)) - 1,
                        "created_at": created,
                    }
                )
                sprices.append({"product_id": pid, "market_code": "UK", "amount": amount})
                vocab_seen.update(w for w in words(f"{title} {desc}") if len(w) >= 3)
            async with db.write.begin() as conn:
                for model, rows in (
                    (Product, products),
                    (Variant, variants),
                    (VariantPrice, prices),
                    (SearchDoc, docs),
                    (SearchPrice, sprices),
                ):
                    await conn.execute(insert(model), rows)
            progress.advance(task, len(ids))
    async with db.write.begin() as conn:
        rows = [{"word": w, "docs": 1} for w in sorted(vocab_seen)]
        for i in range(0, len(rows), 5000):
            await conn.execute(insert(SearchWord), rows[i : i + 5000])
        if pg:
            await conn.execute(text("SELECT setval('products_id_seq', :n)"), {"n": n})
            await conn.execute(text("SELECT setval('variants_id_seq', :n)"), {"n": n})
            await conn.execute(
                text("CREATE INDEX ix_search_docs_tsv ON search_docs USING gin (tsv)")
            )
    if pg:
        async with db.write.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE"))
    else:
        async with db.write.begin() as conn:
            await conn.execute(text("ANALYZE"))
    await db.dispose()


def typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    letters = "abcdefghijklmnopqrstuvwxyz".replace(word[i], "")
    return word[:i] + rng.choice(letters) + word[i + 1 :]


def queries(vocab: list[str], count: int, rng: random.Random) -> list[dict[str, Any]]:
    mid = vocab[20:2000]
    out: list[dict[str, Any]] = []
    for i in range(count):
        kind = i % 10
        if kind < 4:
            q = rng.choice(COMMON[:60])  # common words
        elif kind < 6:
            q = f"{rng.choice(COMMON[:60])} {rng.choice(mid)}"  # two words
        elif kind < 7:
            w = rng.choice([w for w in mid if len(w) >= 5])
            q = w[: rng.randint(3, 4)]  # a prefix, as typed
        elif kind < 9:
            q = typo(rng.choice([w for w in mid if len(w) >= 5]), rng) + " "  # a typo
        else:
            q = rng.choice(COMMON[:60])
        params: dict[str, Any] = {"q": q, "market": "UK", "limit": 20}
        if kind == 9:
            params.update({"in_stock": "true", "max_price": 5000})
        out.append(params)
    return out


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1] if len(samples) >= 2 else samples[0]


async def timed(client: httpx.AsyncClient, path: str, params: dict[str, Any]) -> float:
    t0 = time.perf_counter()
    r = await client.get(path, params=params)
    elapsed = (time.perf_counter() - t0) * 1000
    if r.status_code != 200:
        raise SystemExit(f"{path} {params} -> {r.status_code} {r.text[:300]}")
    return elapsed


async def like_times(url: str, like_params: list[dict[str, Any]]) -> list[float]:
    """Today's `LIKE` search (the catalog's listing without discovery), timed in-process on
    the same database. Over HTTP `/api/v1/products?q=` now goes through discovery (the wiring
    plugs it into the catalog), so timing that endpoint compared discovery with itself; in
    process LIKE also skips the HTTP floor, which only flatters it."""
    catalog.use_text_search(None)
    db = create_database(url)
    out = []
    try:
        for p in like_params:
            async with AsyncSession(db.read) as session:
                t0 = time.perf_counter()
                await catalog.list_products(
                    session=session,
                    limit=int(p["limit"]),
                    offset=0,
                    q=str(p["q"]),
                    market=p.get("market"),
                    max_price=p.get("max_price"),
                )
                out.append((time.perf_counter() - t0) * 1000)
    finally:
        await db.dispose()
    return out


async def measure(base: str, url: str, qs: list[dict[str, Any]], like_n: int) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=base, timeout=120) as client:
        for params in qs[:10]:  # warm caches
            await client.get("/api/v1/search/products", params={**params, "facets": "false"})
        search = [
            await timed(client, "/api/v1/search/products", {**p, "facets": "false"}) for p in qs
        ]
        facets = [await timed(client, "/api/v1/search/products", p) for p in qs[:50]]
        suggest = [
            await timed(client, "/api/v1/search/suggest", {"q": p["q"][:4], "market": "UK"})
            for p in qs[:50]
        ]
        like_params = [
            {k: v for k, v in p.items() if k in ("q", "market", "limit", "max_price")}
            for p in qs[:like_n]
        ]
        like = await like_times(url, like_params)
        search_same = search[:like_n]
        bare = [await timed(client, "/healthz", {}) for _ in range(50)]
    return {
        "p95": p95(search),
        "p50": statistics.median(search),
        "facets_p95": p95(facets),
        "suggest_p95": p95(suggest),
        "like_p95": p95(like),
        "search_same_p95": p95(search_same),
        "bare_p95": p95(bare),
    }


async def catch_up(url: str) -> None:
    """A database seeded by an older run: add what later migrations' edits added."""
    db = create_database(url)
    async with db.write.begin() as conn:
        await conn.execute(
            text("CREATE INDEX IF NOT EXISTS ix_variants_product_id ON variants (product_id)")
        )
        await conn.execute(  # 0113_search_speed
            text(
                "CREATE INDEX IF NOT EXISTS ix_search_docs_rank"
                " ON search_docs (in_stock, sales, product_id)"
            )
        )
    if url.startswith("postgresql"):
        async with db.write.connect() as conn:
            conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("ANALYZE search_docs"))
    else:
        async with db.write.begin() as conn:
            await conn.execute(text("ANALYZE search_docs"))
    await db.dispose()


def run_engine(
    engine: str, n: int, count: int, like_n: int, seed_value: int, reuse: str | None = None
) -> dict[str, float]:
    rng = random.Random(seed_value)
    vocab = vocabulary(30_000, seed_value)
    if reuse:
        url = reuse
        asyncio.run(catch_up(url))
    elif engine == "postgres":
        url = os.environ.get(
            "LIVESHOP_BENCH_POSTGRES_URL",
            "postgresql+asyncpg://postgres@127.0.0.1:5432/liveshop_test_search",
        )
        asyncio.run(recreate_pg(url))
        tmp = None
    else:
        tmp = tempfile.mkdtemp(prefix="bench-search-")
        url = f"sqlite+aiosqlite:///{tmp}/search.db"
    if not reuse:
        upgrade(url)
        t0 = time.monotonic()
        asyncio.run(seed(url, n, vocab, rng))
        print(f"{engine}: seeded {n:,} products in {time.monotonic() - t0:.0f} s")
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
        figures = asyncio.run(
            measure(f"http://127.0.0.1:{port}", url, queries(vocab, count, rng), like_n)
        )
    finally:
        stop(server)
    print(
        f"{engine}: search p50 {figures['p50']:.1f} ms, p95 {figures['p95']:.1f} ms;"
        f" with facets p95 {figures['facets_p95']:.1f} ms; suggest p95"
        f" {figures['suggest_p95']:.1f} ms; LIKE p95 {figures['like_p95']:.1f} ms"
        f" (same {like_n} queries through search: {figures['search_same_p95']:.1f} ms);"
        f" bare /healthz p95 {figures['bare_p95']:.1f} ms"
    )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--like-queries", type=int, default=40, help="LIKE is slow: a sample")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--reuse",
        action="append",
        default=[],
        metavar="ENGINE=URL",
        help="measure a database an earlier run seeded (--products must match), e.g."
        " sqlite=sqlite+aiosqlite:////tmp/bench-search-x/search.db",
    )
    args = parser.parse_args()
    reuse = dict(r.split("=", 1) for r in args.reuse)
    results = {
        e: run_engine(e, args.products, args.queries, args.like_queries, args.seed, reuse.get(e))
        for e in args.engines.split(",")
    }
    ratio = min(r["like_p95"] / r["search_same_p95"] for r in results.values())
    fields = " ".join(f"{e}_p95_ms={r['p95']:.1f}" for e, r in results.items())
    print(f"RESULT search products={args.products} {fields} ratio_vs_like={ratio:.1f}")


if __name__ == "__main__":
    main()
