"""`liveshop ledger …`: the trial balance check and the ledger's jobs, by hand."""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from liveshop.broker import InProcessBroker
from liveshop.db import create_database
from liveshop.ledger import payouts, settlement
from liveshop.ledger.check import Report, check
from liveshop.ledger.terms import Terms
from liveshop.markets.money import format_money
from liveshop.settings import get_settings
from liveshop.uow import UnitOfWork

app = typer.Typer(help="The double-entry ledger.", no_args_is_help=True)
console = Console()


async def _check(url: str) -> Report:
    db = create_database(url)
    try:
        async with UnitOfWork(db=db, broker=InProcessBroker(), write=False) as uow:
            return await check(uow.session)
    finally:
        await db.dispose()


@app.command("check")
def check_cmd() -> None:
    """Print the trial balance per currency; exit 1 if any ledger or account disagrees."""
    started = time.perf_counter()
    with console.status("Summing every transfer…"):
        report = asyncio.run(_check(get_settings().database_url))
    table = Table(title="Trial balance (posted | pending), minor units")
    for col in (
        "ledger",
        "accounts",
        "debits posted",
        "credits posted",
        "debits pending",
        "credits pending",
        "sum",
    ):
        table.add_column(col, justify="right")
    for t in report.trials:
        total = t.credits_posted - t.debits_posted + t.credits_pending - t.debits_pending
        table.add_row(
            t.ledger,
            str(t.accounts),
            str(t.debits_posted),
            str(t.credits_posted),
            str(t.debits_pending),
            str(t.credits_pending),
            ("[green]" if t.balanced else "[red]") + format_money(total, t.ledger, "en"),
        )
    console.print(table)
    console.print(f"{report.transfers} transfers checked in {time.perf_counter() - started:.2f} s")
    for problem in report.problems:
        console.print(f"[red]✗ {problem}[/red]")
    if not report.ok:
        raise typer.Exit(1)
    console.print(
        "[green]Every ledger sums to zero and every account agrees with its entries.[/green]"
    )


@app.command("settle")
def settle_cmd() -> None:
    """Settle the orders that are due and release due reserves (the worker does this too)."""

    async def go() -> tuple[int, int]:
        settings = get_settings()
        db = create_database(settings.database_url)
        try:
            broker = InProcessBroker()
            return (
                await settlement.settle_due(db, broker, Terms.of(settings)),
                await settlement.release_reserves(db, broker),
            )
        finally:
            await db.dispose()

    settled, released = asyncio.run(go())
    console.print(f"Settled {settled} orders, released {released} reserves.")


@app.command("payout")
def payout_cmd(
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. GBP")],
    run_id: Annotated[str, typer.Option(help="Run id (a second run with it pays nothing)")] = "",
) -> None:
    """Pay balances of CURRENCY above the minimum (sandbox provider); print the CSV."""

    async def go() -> str:
        settings = get_settings()
        db = create_database(settings.database_url)
        try:
            made = await payouts.run_once(
                db,
                InProcessBroker(),
                payouts.SandboxPayoutProvider(),
                currency=currency.upper(),
                run_id=run_id or f"{currency.upper()}-{int(time.time())}",
                minimum=Terms.of(settings).payout_minimum.get(currency.upper(), 1),
            )
            return made.csv
        finally:
            await db.dispose()

    console.print(asyncio.run(go()), end="", markup=False, highlight=False)
