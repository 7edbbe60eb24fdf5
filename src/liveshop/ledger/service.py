"""Posting transfers: the one path every ledger entry is written through.

The rules are TigerBeetle's: a transfer debits one account and credits another on the same
ledger; its id is unique and is its idempotency (posting the same chain again changes nothing);
legs posted together succeed or fail together; a pending transfer reserves its amount and is
later posted (fully or in part) or voided, exactly once. Transfers are only ever inserted; the
accounts' four sums move with them in the same transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; the PostgreSQL driver
from sqlalchemy import insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.db import utcnow
from liveshop.ledger.models import Kind, LedgerAccount, LedgerTransfer, Phase


class LedgerError(ValueError):
    """A chain that cannot be posted (nothing of it was written)."""


@dataclass(frozen=True, slots=True)
class Acct:
    kind: Kind
    owner: int = 0


@dataclass(frozen=True, slots=True)
class Leg:
    """One transfer to write. Post/void legs name `pending_id` and take its accounts."""

    id: str
    code: str
    amount: int = 0
    debit: Acct | None = None
    credit: Acct | None = None
    phase: Phase = Phase.single
    pending_id: str | None = None
    order_id: int | None = None
    line_id: int | None = None
    product_id: int | None = None
    show_id: int | None = None
    ref: str | None = None
    reason: str = ""
    due_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Chain:
    """Linked legs on one ledger: all are written or none."""

    ledger: str
    batch: str
    legs: Sequence[Leg]


_CACHE = "ledger.accounts"


async def accounts(
    session: AsyncSession, keys: Iterable[tuple[str, Kind, int]]
) -> dict[tuple[str, str, int], int]:
    """Account ids for (ledger, kind, owner) keys, opening the missing ones."""
    cache: dict[tuple[str, str, int], int] = session.info.setdefault(_CACHE, {})
    wanted = {(ledger, str(kind), owner) for ledger, kind, owner in keys} - cache.keys()
    if wanted:
        await _load(session, wanted, cache)
        missing = wanted - cache.keys()
        if missing:
            ins = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
            stmt = ins(LedgerAccount).on_conflict_do_nothing(
                index_elements=["ledger", "kind", "owner_id"]
            )
            await session.execute(
                stmt,
                [{"ledger": lg, "kind": k, "owner_id": o} for lg, k, o in sorted(missing)],
            )
            await _load(session, missing, cache)
    return cache


async def _load(
    session: AsyncSession, keys: set[tuple[str, str, int]], cache: dict[tuple[str, str, int], int]
) -> None:
    """One query per 1,000 owners; a few extra rows beat compiling a big tuple IN each time."""
    ledgers = sorted({k[0] for k in keys})
    kinds = sorted({k[1] for k in keys})
    owners = sorted({k[2] for k in keys})
    for start in range(0, len(owners), 1000):
        rows = await session.execute(
            select(
                LedgerAccount.ledger, LedgerAccount.kind, LedgerAccount.owner_id, LedgerAccount.id
            ).where(
                LedgerAccount.owner_id.in_(owners[start : start + 1000]),
                LedgerAccount.kind.in_(kinds),
                LedgerAccount.ledger.in_(ledgers),
            )
        )
        for ledger, kind, owner, account_id in rows.all():
            if (ledger, kind, owner) in keys:
                cache[(ledger, kind, owner)] = account_id


async def post(session: AsyncSession, chain: Chain) -> bool:
    """Write one linked chain; False (and nothing written) when it was posted before."""
    return bool(await post_many(session, [chain]))


async def post_many(session: AsyncSession, chains: Sequence[Chain]) -> int:
    """Write many chains in one round of statements; returns how many were new.

    A chain whose ids all exist already is skipped (a retry); one that partly exists is refused,
    since the same id must always mean the same transfer.
    """
    chains = [c for c in chains if c.legs]
    ids = [leg.id for c in chains for leg in c.legs]
    if len(set(ids)) != len(ids):
        raise LedgerError("a transfer id appears twice in one posting")
    if session.get_bind().dialect.name == "postgresql" and len(ids) >= BULK:
        # Optimistic: a batch is almost always new, and the primary key checks it anyway.
        # If any id exists, nothing of the attempt stays and the careful path decides.
        try:
            async with session.begin_nested():
                return await _write(session, chains)
        except asyncpg.UniqueViolationError:
            pass
    existing = await _existing(session, ids)
    fresh: list[Chain] = []
    for chain in chains:
        seen = sum(leg.id in existing for leg in chain.legs)
        if seen == len(chain.legs):
            continue
        if seen:
            raise LedgerError(f"chain {chain.batch} was partly posted before")
        fresh.append(chain)
    if not fresh:
        return 0
    return await _write(session, fresh)


async def _write(session: AsyncSession, fresh: Sequence[Chain]) -> int:
    keys = {
        (c.ledger, acct.kind, acct.owner)
        for c in fresh
        for leg in c.legs
        for acct in (leg.debit, leg.credit)
        if acct is not None
    }
    ids_of = await accounts(session, keys)
    pendings = await _pendings(
        session, [leg.pending_id for c in fresh for leg in c.legs if leg.pending_id]
    )
    now = utcnow()
    rows: list[dict[str, Any]] = []
    # account id -> [debits_pending, debits_posted, credits_pending, credits_posted]
    delta: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for chain in fresh:
        for leg in chain.legs:
            rows.append(_row(chain, leg, ids_of, pendings, delta, now))
    if session.get_bind().dialect.name == "postgresql" and len(rows) >= BULK:
        await _pg_bulk(session, rows, delta)
        return len(fresh)
    await session.execute(insert(LedgerTransfer), rows)
    await session.execute(
        text(
            "UPDATE ledger_accounts SET debits_pending = debits_pending + :dp,"
            " debits_posted = debits_posted + :dpo, credits_pending = credits_pending + :cp,"
            " credits_posted = credits_posted + :cpo WHERE id = :id"
        ),
        [  # ascending ids: a fixed lock order, so concurrent postings cannot deadlock
            {"id": k, "dp": v[0], "dpo": v[1], "cp": v[2], "cpo": v[3]}
            for k, v in sorted(delta.items())
        ],
    )
    return len(fresh)


# From this many legs on, PostgreSQL gets the rows by COPY in the same transaction, and the
# balances in one statement: the batch path (benchmark, imports), same checks before it.
BULK = 200
_COLUMNS = [c.name for c in LedgerTransfer.__table__.columns]


async def _driver(session: AsyncSession) -> Any:
    """The asyncpg connection under the session's transaction (for COPY and savepoints)."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    driver = raw.driver_connection
    assert driver is not None
    return driver


async def _pg_bulk(
    session: AsyncSession, rows: list[dict[str, Any]], delta: dict[int, list[int]]
) -> None:
    driver = await _driver(session)
    await driver.copy_records_to_table(
        LedgerTransfer.__tablename__,
        records=[tuple(row[c] for c in _COLUMNS) for row in rows],
        columns=_COLUMNS,
    )
    ids = sorted(delta)
    # Lock in ascending id order first (no deadlock between batches), then add in one go.
    await driver.execute(
        "SELECT id FROM ledger_accounts WHERE id = ANY($1::bigint[]) ORDER BY id FOR NO KEY UPDATE",
        ids,
    )
    await driver.execute(
        "UPDATE ledger_accounts AS a SET debits_pending = a.debits_pending + v.dp,"
        " debits_posted = a.debits_posted + v.dpo, credits_pending = a.credits_pending + v.cp,"
        " credits_posted = a.credits_posted + v.cpo"
        " FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[])"
        " AS v(id, dp, dpo, cp, cpo) WHERE a.id = v.id",
        ids,
        *([delta[i][k] for i in ids] for k in range(4)),
    )


def _row(
    chain: Chain,
    leg: Leg,
    ids_of: dict[tuple[str, str, int], int],
    pendings: dict[str, LedgerTransfer],
    delta: dict[int, list[int]],
    now: datetime,
) -> dict[str, Any]:
    if leg.amount < 0:
        raise LedgerError(f"{leg.id}: negative amount")
    released = 0
    if leg.phase in (Phase.post, Phase.void):
        pending = pendings.get(leg.pending_id or "")
        if pending is None:
            raise LedgerError(f"{leg.id}: no open pending transfer {leg.pending_id}")
        if pending.ledger != chain.ledger:
            raise LedgerError(f"{leg.id}: pending transfer is on ledger {pending.ledger}")
        debit, credit = pending.debit_account_id, pending.credit_account_id
        amount = 0 if leg.phase == Phase.void else leg.amount
        if amount > pending.amount:
            raise LedgerError(f"{leg.id}: posts more than was pending")
        released = pending.amount
        delta[debit][0] -= released
        delta[credit][2] -= released
        delta[debit][1] += amount
        delta[credit][3] += amount
    else:
        if leg.debit is None or leg.credit is None or leg.pending_id is not None:
            raise LedgerError(f"{leg.id}: a transfer needs two accounts and no pending id")
        debit = ids_of[(chain.ledger, leg.debit.kind, leg.debit.owner)]
        credit = ids_of[(chain.ledger, leg.credit.kind, leg.credit.owner)]
        if debit == credit:
            raise LedgerError(f"{leg.id}: debits and credits the same account")
        amount = leg.amount
        side = 0 if leg.phase == Phase.pending else 1
        delta[debit][side] += amount
        delta[credit][side + 2] += amount
    return {
        "id": leg.id,
        "batch": chain.batch,
        "ledger": chain.ledger,
        "debit_account_id": debit,
        "credit_account_id": credit,
        "amount": amount,
        "released": released,
        "phase": leg.phase.value,
        "pending_id": leg.pending_id,
        "code": leg.code,
        "order_id": leg.order_id,
        "line_id": leg.line_id,
        "product_id": leg.product_id,
        "show_id": leg.show_id,
        "ref": leg.ref,
        "reason": leg.reason,
        "due_at": leg.due_at,
        "created_at": now,
    }


async def _existing(session: AsyncSession, ids: list[str]) -> set[str]:
    found: set[str] = set()
    if session.get_bind().dialect.name == "postgresql" and len(ids) >= BULK:
        rows = await session.execute(
            text("SELECT id FROM ledger_transfers WHERE id = ANY(:ids)"), {"ids": ids}
        )
        return set(rows.scalars())
    for start in range(0, len(ids), 2000):
        part = ids[start : start + 2000]
        rows = await session.execute(select(LedgerTransfer.id).where(LedgerTransfer.id.in_(part)))
        found.update(rows.scalars())
    return found


async def _pendings(session: AsyncSession, ids: list[str]) -> dict[str, LedgerTransfer]:
    """Pending transfers by id that no transfer has resolved yet."""
    if not ids:
        return {}
    rows = await session.execute(
        select(LedgerTransfer).where(
            LedgerTransfer.id.in_(ids), LedgerTransfer.phase == Phase.pending.value
        )
    )
    out = {t.id: t for t in rows.scalars()}
    resolved = await session.execute(
        select(LedgerTransfer.pending_id).where(LedgerTransfer.pending_id.in_(ids))
    )
    for pid in resolved.scalars():
        out.pop(pid or "", None)
    return out


async def open_pendings(
    session: AsyncSession, *, order_id: int, codes: Sequence[str] | None = None
) -> list[LedgerTransfer]:
    """An order's pending transfers that are not resolved yet, oldest first."""
    resolved = select(LedgerTransfer.pending_id).where(
        LedgerTransfer.order_id == order_id, LedgerTransfer.pending_id.is_not(None)
    )
    cond = [
        LedgerTransfer.order_id == order_id,
        LedgerTransfer.phase == Phase.pending.value,
        LedgerTransfer.id.not_in(resolved),
    ]
    if codes:
        cond.append(LedgerTransfer.code.in_(list(codes)))
    rows = await session.execute(
        select(LedgerTransfer).where(*cond).order_by(LedgerTransfer.created_at, LedgerTransfer.id)
    )
    return list(rows.scalars())


async def account(session: AsyncSession, ledger: str, acct: Acct) -> LedgerAccount:
    """The account row, fresh from the database (opened if it did not exist)."""
    ids = await accounts(session, [(ledger, acct.kind, acct.owner)])
    row = await session.get(
        LedgerAccount, ids[(ledger, str(acct.kind), acct.owner)], populate_existing=True
    )
    assert row is not None
    return row


async def lock_account(session: AsyncSession, ledger: str, acct: Acct) -> LedgerAccount:
    """The account row under a row lock (PostgreSQL; SQLite has one writer anyway)."""
    ids = await accounts(session, [(ledger, acct.kind, acct.owner)])
    row = await session.get(
        LedgerAccount,
        ids[(ledger, str(acct.kind), acct.owner)],
        with_for_update={"key_share": True},  # FOR NO KEY UPDATE: transfers only KEY SHARE it
        populate_existing=True,
    )
    assert row is not None
    return row


def posted_balance(row: LedgerAccount) -> int:
    """Credit-normal balance: what the platform owes the account's owner, posted."""
    return row.credits_posted - row.debits_posted


def pending_balance(row: LedgerAccount) -> int:
    return row.credits_pending - row.debits_pending
