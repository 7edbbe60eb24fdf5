"""Analytics ingest benchmark: events through the beacon endpoint of a running server.

Starts `liveshop serve` on PostgreSQL (a database of its own, recreated), posts the events in
batches of 500 from concurrent clients, and times until every event is stored (the buffer's
COPY, de-duplicated into the month-partitioned table). In the same run it COPYs the same rows
straight into a plain table of the same shape: the ceiling. Then, with the rollup job caught
up, it times a show report and an 8-week market heatmap through the API.

    .venv/bin/python bench/analytics.py                    # 1,000,000 events
    .venv/bin/python bench/analytics.py --events 100000    # quicker
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import func, insert, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from liveshop.accounts.models import AuthToken, User  # noqa: E402
from liveshop.analytics.events import COLUMNS, Row  # noqa: E402
from liveshop.analytics.models import (  # noqa: E402
    AnalyticsEvent,
    MarketHour,
    RollupState,
    ShowInfo,
)
from liveshop.db import create_database, create_oneoff_engine, utcnow  # noqa: E402
from liveshop.migrate import upgrade  # noqa: E402

KINDS = ["impression"] * 6 + ["click"] * 2 + ["add_to_cart", "checkout_start"]
console = Console()


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


async def seed(url: str) -> str:
    """An operator's token, the show the events belong to, and 8 weeks of UK hours."""
    db = create_database(url)
    now = utcnow()
    token = uuid.uuid4().hex + uuid.uuid4().hex
    async with db.write.begin() as conn:
        admin = (
            await conn.execute(
                insert(User).returning(User.id),
                {
                    "email": "ops@bench",
                    "handle": "benchops",
                    "display_name": "Ops",
                    "password_hash": "x",
                    "roles": ["admin"],
                    "market_code": "UK",
                    "created_at": now,
                },
            )
        ).scalar_one()
        await conn.execute(
            insert(AuthToken),
            {
                "user_id": admin,
                "token_hash": hashlib.sha256(token.encode()).hexdigest(),
                "kind": "api",
                "name": "bench",
                "created_at": now,
            },
        )
        await conn.execute(
            insert(ShowInfo),
            {"show_id": 1, "creator_id": admin, "shop_id": None, "market": "UK", "title": "Bench"},
        )
        start = now.replace(minute=0, second=0, microsecond=0) - timedelta(weeks=8)
        columns = [c.name for c in MarketHour.__table__.columns]
        await conn.execute(
            insert(MarketHour),
            [
                dict.fromkeys(columns, 7) | {"market": "UK", "hour": start + timedelta(hours=h)}
                for h in range(8 * 7 * 24)
            ],
        )
    await db.dispose()
    return token


def bodies(events: int, batch: int) -> tuple[list[bytes], list[Row]]:
    """The beacon batches, and the same events as rows (for the bare COPY)."""
    now = int(time.time() * 1000)
    run = uuid.uuid4().hex[:8]
    out, rows = [], []
    for b in range(0, events, batch):
        items = []
        for n in range(b, min(events, b + batch)):
            kind = KINDS[n % len(KINDS)]
            at = now - (events - n) // 50  # spread over the last minutes, in order
            eid = f"{run}{n:010x}"
            items.append(
                {
                    "id": eid,
                    "kind": kind,
                    "at": at,
                    "show_id": 1,
                    "product_id": 1 + n % 20,
                    "market": "UK",
                    "viewer": f"v{n % 5000}",
                }
            )
            rows.append(
                Row(
                    "c" + eid,
                    datetime.fromtimestamp(at / 1000, UTC),
                    kind,
                    "UK",
                    1,
                    None,
                    1 + n % 20,
                    f"v{n % 5000}",
                    0,
                    0,
                    None,
                )
            )
        out.append(json.dumps({"events": items}).encode())
    return out, rows


def wait_http(url: str, proc: subprocess.Popen[bytes], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError as exc:
            if getattr(exc, "code", None):
                return
            time.sleep(0.2)
    raise SystemExit(f"{url} did not come up")


async def stored(url: str, *, exact: bool = False) -> int:
    """Events stored: the highest `seq` while waiting (an index look-up; the bench sends no
    duplicates, so it equals the count), the real count once at the end."""
    engine = create_oneoff_engine(url)
    async with engine.connect() as conn:
        if exact:
            query = select(func.count()).select_from(AnalyticsEvent)
        else:
            query = select(func.coalesce(func.max(AnalyticsEvent.seq), 0))
        n = (await conn.execute(query)).scalar_one()
    await engine.dispose()
    return int(n)


async def rolled_up(url: str) -> bool:
    engine = create_oneoff_engine(url)
    async with engine.connect() as conn:
        top = (await conn.execute(select(func.max(AnalyticsEvent.seq)))).scalar() or 0
        mark = (await conn.execute(select(RollupState.seq))).scalar() or 0
    await engine.dispose()
    return bool(top) and mark >= top


async def drive(base: str, batches: list[bytes], concurrency: int, events: int) -> float:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in batches:
        queue.put_nowait(body)
    refused = 0

    async def worker(client: httpx.AsyncClient, progress: Progress, task: Any) -> None:
        nonlocal refused
        while not queue.empty():
            body = queue.get_nowait()
            r = await client.post(
                "/api/v1/analytics/events",
                content=body,
                headers={"content-type": "application/json"},
            )
            if r.status_code != 202 or r.json()["dropped"]:
                refused += 1
            progress.advance(task, len(body) // 150)

    started = time.perf_counter()
    limits = httpx.Limits(max_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as client:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("Posting beacon batches", total=events)
            await asyncio.gather(*(worker(client, progress, task) for _ in range(concurrency)))
    if refused:
        console.print(f"[red]{refused} batches refused or partly dropped[/red]")
    return started


async def bare_copy(url: str, rows: list[Row], chunk: int) -> float:
    """COPY the same rows into a plain table of the same shape: the ceiling (events/s)."""

    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute(
            "CREATE TABLE bench_copy (id varchar(40), at timestamptz, seq bigserial,"
            " kind varchar(20), market varchar(2), show_id integer, shop_id integer,"
            " product_id integer, viewer varchar(64), value bigint, qty integer,"
            " currency varchar(3), PRIMARY KEY (id, at))"
        )
        started = time.perf_counter()
        for i in range(0, len(rows), chunk):
            await conn.copy_records_to_table(
                "bench_copy", records=rows[i : i + chunk], columns=COLUMNS
            )
        return len(rows) / (time.perf_counter() - started)
    finally:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.close()


async def timed(base: str, token: str, path: str, n: int = 21) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    times = []
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        r = await client.get(path)
        r.raise_for_status()
        for _ in range(n):
            t = time.perf_counter()
            r = await client.get(path)
            times.append((time.perf_counter() - t) * 1000)
            r.raise_for_status()
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "LIVESHOP_BENCH_POSTGRES_URL",
            "postgresql+asyncpg://postgres@127.0.0.1:5432/liveshop_test_analytics",
        ),
    )
    parser.add_argument(
        "--redis", default=os.environ.get("LIVESHOP_BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    args = parser.parse_args()
    url = args.pg
    asyncio.run(recreate_pg(url))
    upgrade(url)
    token = asyncio.run(seed(url))
    batches, rows = bodies(args.events, args.batch)
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    env = {
        **os.environ,
        "LIVESHOP_DATABASE_URL": url,
        "LIVESHOP_ENV": "development",
        "LIVESHOP_LOG_LEVEL": "WARNING",
        "LIVESHOP_MEDIA_ENABLED": "false",
        "LIVESHOP_RATE_ANALYTICS_BEACON": "1000000/minute",
        "LIVESHOP_ANALYTICS_BUFFER_EVENTS": "400000",
        "LIVESHOP_ANALYTICS_FLUSH_EVENTS": "20000",
        "LIVESHOP_MAX_BODY_BYTES": str(4 * 1024 * 1024),
    }
    # Several workers need Redis; the jobs (the rollup among them) run in one of them.
    env["LIVESHOP_REDIS_URL"] = args.redis
    env["LIVESHOP_JOBS_IN_WEB"] = "true"
    cmd = [sys.executable, "-m", "liveshop.cli", "serve", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--workers", str(args.workers), "--no-migrate"]
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        cmd,
        env=env,
        cwd=tmp,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(f"{base}/healthz", proc)
        started = asyncio.run(drive(base, batches, args.concurrency, args.events))
        posted = time.perf_counter() - started
        while (n := asyncio.run(stored(url))) < args.events:
            if time.perf_counter() - started > 600:
                raise SystemExit(f"only {n} of {args.events} stored")
            time.sleep(0.05)
        elapsed = time.perf_counter() - started
        rate = args.events / elapsed
        assert asyncio.run(stored(url, exact=True)) == args.events
        console.print(
            f"beacon: {args.events} events posted in {posted:.1f} s, stored in {elapsed:.1f} s"
            f" ({rate:,.0f} events/s)"
        )
        deadline = time.monotonic() + 300
        while not asyncio.run(rolled_up(url)):
            if time.monotonic() > deadline:
                raise SystemExit("the rollup job did not catch up")
            time.sleep(0.5)
        report_ms = asyncio.run(timed(base, token, "/api/v1/analytics/shows/1"))
        heatmap_ms = asyncio.run(timed(base, token, "/api/v1/analytics/markets/UK/heatmap?weeks=8"))
    except BaseException:
        console.print((tmp / "server.log").read_text()[-3000:])
        raise
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
    ceiling = asyncio.run(bare_copy(url, rows, 20_000))
    console.print(f"bare COPY of the same rows: {ceiling:,.0f} events/s")
    console.print(f"show report {report_ms:.1f} ms, 8-week heatmap {heatmap_ms:.1f} ms (medians)")
    print(
        f"RESULT analytics events={args.events} events_per_s={rate:.0f}"
        f" ratio_vs_copy={rate / ceiling:.2f} report_ms={report_ms:.1f}"
        f" heatmap_ms={heatmap_ms:.1f}"
    )


if __name__ == "__main__":
    main()
