"""Ledger benchmark: order-shaped transactions through the real posting path on PostgreSQL.

Each transaction is what `ledger.posting.on_paid` writes for an order with a platform coupon:
a linked chain of three legs (payment pending clearing→seller, fee pending seller→fee
revenue, subsidy pending subsidy expense→seller) over 1,000 shops in three currencies.
Chains go through `ledger.service.post_many` in batches (the same code every order posts
through: id idempotency check, account resolution, insert, balance updates), on `--workers`
concurrent connections. In the same run, the same rows are written with a bare `COPY` into a
copy of the table (same indexes) as the ceiling. Then `ledger check` recomputes every
account from its transfers and the trial balance per currency.

    .venv/bin/python bench/ledger.py                        # 1,000,000 transactions
    .venv/bin/python bench/ledger.py --transactions 50000   # quick
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from liveshop.broker import InProcessBroker  # noqa: E402
from liveshop.db import create_database, create_oneoff_engine  # noqa: E402
from liveshop.ledger.check import check  # noqa: E402
from liveshop.ledger.models import Kind, Phase  # noqa: E402
from liveshop.ledger.service import Acct, Chain, Leg, post_many  # noqa: E402
from liveshop.migrate import upgrade  # noqa: E402
from liveshop.uow import UnitOfWork  # noqa: E402

CURRENCIES = ("GBP", "EUR", "USD")
SHOPS = 1000
LEGS = 3
DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/liveshop_bench_ledger"


async def recreate(url: str) -> None:
    admin = create_oneoff_engine(make_url(url).set(database="postgres").render_as_string(False))
    name = make_url(url).database
    async with admin.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await admin.dispose()


def chain(n: int) -> Chain:
    """Transaction n: an order of 1,000-50,999 minor units with a 10% platform coupon."""
    ccy = CURRENCIES[n % len(CURRENCIES)]
    shop = 1 + n % SHOPS
    total = 1000 + (n * 7919) % 50_000
    subsidy = total // 10
    fee = (total + subsidy) * 900 // 10_000
    seller = Acct(Kind.seller_payable, shop)
    pending = Phase.pending
    return Chain(
        ccy,
        f"b{n}:paid",
        [
            Leg(
                f"b{n}:pay",
                "payment",
                total,
                Acct(Kind.buyer_clearing),
                seller,
                pending,
                order_id=n,
            ),
            Leg(f"b{n}:fee", "fee", fee, seller, Acct(Kind.fee_revenue), pending, order_id=n),
            Leg(
                f"b{n}:sub",
                "subsidy",
                subsidy,
                Acct(Kind.subsidy_expense),
                seller,
                pending,
                order_id=n,
            ),
        ],
    )


async def post_range(db: Any, start: int, stop: int, batch: int, progress: Any, task: Any) -> None:
    broker = InProcessBroker()
    for lo in range(start, stop, batch):
        chains = [chain(n) for n in range(lo, min(stop, lo + batch))]
        async with UnitOfWork(db=db, broker=broker) as uow:
            await post_many(uow.session, chains)
            await uow.commit()
        progress.update(task, advance=len(chains))


async def copy_ceiling(url: str, rows: int, batch: int) -> float:
    """COPY the same rows (ids prefixed) into a twin table with the same indexes."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("DROP TABLE IF EXISTS bench_copy")
        await conn.execute("CREATE TABLE bench_copy (LIKE ledger_transfers INCLUDING ALL)")
        ids = {
            (r["ledger"], r["kind"], r["owner_id"]): r["id"]
            for r in await conn.fetch("SELECT id, ledger, kind, owner_id FROM ledger_accounts")
        }
        now = datetime.now(UTC)
        columns = [
            "id",
            "batch",
            "ledger",
            "debit_account_id",
            "credit_account_id",
            "amount",
            "released",
            "phase",
            "code",
            "order_id",
            "reason",
            "created_at",
        ]
        started = time.perf_counter()
        for lo in range(0, rows, batch):
            records = []
            for n in range(lo, min(rows, lo + batch)):
                c = chain(n)
                for leg in c.legs:
                    assert leg.debit and leg.credit
                    records.append(
                        (
                            leg.id,
                            c.batch,
                            c.ledger,
                            ids[(c.ledger, leg.debit.kind.value, leg.debit.owner)],
                            ids[(c.ledger, leg.credit.kind.value, leg.credit.owner)],
                            leg.amount,
                            0,
                            leg.phase.value,
                            leg.code,
                            leg.order_id,
                            "",
                            now,
                        )
                    )
            await conn.copy_records_to_table("bench_copy", records=records, columns=columns)
        elapsed = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
        return elapsed
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--transactions", type=int, default=1_000_000)
    parser.add_argument(
        "--batch", type=int, default=5000, help="transactions per database transaction"
    )
    parser.add_argument("--workers", type=int, default=2, help="concurrent posting connections")
    parser.add_argument("--url", default=os.environ.get("LIVESHOP_BENCH_POSTGRES_URL", DEFAULT_URL))
    args = parser.parse_args()

    await recreate(args.url)
    await asyncio.to_thread(upgrade, args.url)
    db = create_database(args.url, pool_size=args.workers + 1)
    n = args.transactions
    try:
        with Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
        ) as progress:
            task = progress.add_task("posting", total=n)
            # Open the accounts first, as a running platform has them.
            async with UnitOfWork(db=db, broker=InProcessBroker()) as uow:
                await post_many(uow.session, [chain(i) for i in range(SHOPS * len(CURRENCIES))])
                await uow.commit()
            progress.update(task, advance=SHOPS * len(CURRENCIES))
            started = time.perf_counter()
            share = -(-(n - SHOPS * len(CURRENCIES)) // args.workers)
            bounds = [
                (
                    SHOPS * len(CURRENCIES) + i * share,
                    min(n, SHOPS * len(CURRENCIES) + (i + 1) * share),
                )
                for i in range(args.workers)
            ]
            await asyncio.gather(
                *(
                    post_range(db, lo, hi, args.batch, progress, task)
                    for lo, hi in bounds
                    if lo < hi
                )
            )
            posting_s = time.perf_counter() - started
        posted = (n - SHOPS * len(CURRENCIES)) * LEGS

        started = time.perf_counter()
        async with UnitOfWork(db=db, broker=InProcessBroker(), write=False) as uow:
            report = await check(uow.session)
        check_s = time.perf_counter() - started
        assert report.ok, report.problems[:5]
        assert report.transfers == n * LEGS, (report.transfers, n * LEGS)
    finally:
        await db.dispose()

    copy_s = await copy_ceiling(args.url, n, args.batch * 5)
    print(
        f"posting: {posted} transfers in {posting_s:.1f} s; bare COPY of the same {n * LEGS} rows:"
        f" {copy_s:.1f} s ({n * LEGS / copy_s:,.0f} rows/s); check of {report.transfers}"
        f" transfers: {check_s:.2f} s, trial balance zero in {len(report.trials)} currencies"
    )
    print(
        f"RESULT ledger transfers={n * LEGS} transfers_per_s={posted / posting_s:.0f}"
        f" check_s={check_s:.2f} copy_rows_per_s={n * LEGS / copy_s:.0f}"
        f" transactions={n} workers={args.workers} batch={args.batch}"
    )


if __name__ == "__main__":
    asyncio.run(main())
