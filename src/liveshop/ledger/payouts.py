"""Payout runs: batch payable balances above a minimum into payouts through a provider.

Idempotent: a run id is used once (asking again returns the first run), and every payout is
a pending transfer whose id is also the provider's idempotency key. Two runs at once (two
workers) cannot both pay an account: each payable account is locked in id order and its
balance re-read under the lock, so the second run finds nothing left to pay.
"""

from __future__ import annotations

import csv
import io
import secrets
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import bus
from liveshop.broker import Broker
from liveshop.db import Database
from liveshop.ledger.messages import PayoutPaid
from liveshop.ledger.models import Kind, LedgerAccount, Payout, PayoutRun, Phase, SandboxPayout
from liveshop.ledger.posting import CLEARING, TRANSIT
from liveshop.ledger.service import Acct, Chain, Leg, account, post
from liveshop.uow import UnitOfWork

PAYABLE = {
    Kind.seller_payable: Kind.seller_receivable,
    Kind.creator_payable: Kind.creator_receivable,
}


@dataclass(frozen=True)
class PayoutResult:
    ok: bool
    ref: str | None = None
    failure: str | None = None


class PayoutProvider(Protocol):
    name: str

    async def pay(
        self, session: AsyncSession, *, key: str, amount: int, currency: str, beneficiary: str
    ) -> PayoutResult: ...


class SandboxPayoutProvider:
    """Pays at once into its own book; the same key pays once. A beneficiary of `…:blocked`
    (for tests) is refused, as a bank refuses a closed account."""

    name = "sandbox"

    async def pay(
        self, session: AsyncSession, *, key: str, amount: int, currency: str, beneficiary: str
    ) -> PayoutResult:
        found = await session.execute(
            select(SandboxPayout).where(SandboxPayout.idempotency_key == key)
        )
        row = found.scalar_one_or_none()
        if row is not None:
            return PayoutResult(True, row.ref)
        if beneficiary.endswith(":blocked"):
            return PayoutResult(False, failure="account_closed")
        row = SandboxPayout(
            idempotency_key=key,
            ref=f"po_{secrets.token_hex(8)}",
            amount=amount,
            currency=currency,
            beneficiary=beneficiary,
        )
        session.add(row)
        await session.flush()
        return PayoutResult(True, row.ref)


async def run(
    *,
    session: AsyncSession,
    provider: PayoutProvider,
    currency: str,
    run_id: str,
    minimum: int,
) -> PayoutRun:
    """Pay every payable account of `currency` holding at least `minimum` (after recoveries)."""
    existing = await session.get(PayoutRun, run_id)
    if existing is not None:
        return existing
    payout_run = PayoutRun(id=run_id, currency=currency, payouts=0, total=0, csv="")
    session.add(payout_run)
    await session.flush()
    ids = (
        await session.execute(
            select(LedgerAccount.id)
            .where(
                LedgerAccount.ledger == currency,
                LedgerAccount.kind.in_([k.value for k in PAYABLE]),
                LedgerAccount.credits_posted > LedgerAccount.debits_posted,
            )
            .order_by(LedgerAccount.id)
        )
    ).scalars()
    rows: list[Payout] = []
    for account_id in list(ids):
        locked = await session.get(
            LedgerAccount, account_id, with_for_update={"key_share": True}, populate_existing=True
        )
        assert locked is not None
        payable = Acct(Kind(locked.kind), locked.owner_id)
        await _recover(session, currency, payable, run_id)
        locked = await account(session, currency, payable)
        # Pending debits (fees of unsettled orders) are covered by their own pending credits;
        # only a pending shortfall holds posted money back.
        held = max(0, locked.debits_pending - locked.credits_pending)
        amount = locked.credits_posted - locked.debits_posted - held
        if amount < minimum or amount <= 0:
            continue
        key = f"payout:{run_id}:{locked.id}"
        await post(
            session,
            Chain(
                currency,
                key,
                [Leg(key, "payout", amount, payable, TRANSIT, phase=Phase.pending, ref=run_id)],
            ),
        )
        beneficiary = f"{locked.kind}:{locked.owner_id}"
        result = await provider.pay(
            session, key=key, amount=amount, currency=currency, beneficiary=beneficiary
        )
        if result.ok:
            legs = [
                Leg(f"{key}:post", "payout", amount, phase=Phase.post, pending_id=key, ref=run_id),
                # The money has left the platform's account for the owner's bank.
                Leg(f"{key}:sent", "payout_sent", amount, TRANSIT, CLEARING, ref=run_id),
            ]
        else:
            legs = [
                Leg(
                    f"{key}:void",
                    "payout",
                    0,
                    phase=Phase.void,
                    pending_id=key,
                    ref=run_id,
                    reason=result.failure or "refused",
                )
            ]
        await post(session, Chain(currency, f"{key}:resolve", legs))
        row = Payout(
            run_id=run_id,
            account_id=locked.id,
            kind=locked.kind,
            owner_id=locked.owner_id,
            amount=amount,
            currency=currency,
            status="sent" if result.ok else "failed",
            provider_ref=result.ref,
        )
        session.add(row)
        rows.append(row)
        if result.ok:
            await session.flush()  # the payout's id, for the message
            owner_kind = "shop" if row.kind == Kind.seller_payable.value else "creator"
            paid = PayoutPaid(row.id, owner_kind, row.owner_id, amount, currency)
            await bus.publish(session, paid)
    sent = [r for r in rows if r.status == "sent"]
    payout_run.payouts = len(sent)
    payout_run.total = sum(r.amount for r in sent)
    payout_run.csv = batch_csv(payout_run, rows)
    await session.flush()
    return payout_run


async def _recover(session: AsyncSession, currency: str, payable: Acct, run_id: str) -> None:
    """Take what the owner owes (a receivable) out of their payable balance first."""
    receivable = Acct(PAYABLE[payable.kind], payable.owner)
    owed_row = await account(session, currency, receivable)
    owed = owed_row.debits_posted - owed_row.credits_posted
    if owed <= 0:
        return
    pay_row = await account(session, currency, payable)
    take = min(owed, pay_row.credits_posted - pay_row.debits_posted)
    if take <= 0:
        return
    leg = Leg(
        f"recover:{run_id}:{pay_row.id}",
        "recovery",
        take,
        payable,
        receivable,
        ref=run_id,
        reason="receivable recovered from payable balance before payout",
    )
    await post(session, Chain(currency, leg.id, [leg]))


def batch_csv(payout_run: PayoutRun, rows: list[Payout]) -> str:
    """The bank batch file: one line per payout."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "run_id",
            "currency",
            "beneficiary_kind",
            "beneficiary_id",
            "amount_minor",
            "status",
            "provider_ref",
        ]
    )
    for r in rows:
        writer.writerow(
            [
                payout_run.id,
                r.currency,
                r.kind,
                r.owner_id,
                r.amount,
                r.status,
                r.provider_ref or "",
            ]
        )
    return out.getvalue()


async def run_once(
    db: Database,
    broker: Broker,
    provider: PayoutProvider,
    *,
    currency: str,
    run_id: str,
    minimum: int,
) -> PayoutRun:
    """One run in its own transaction; a worker that loses a race for the same id gets the
    winner's run back."""
    try:
        async with UnitOfWork(db=db, broker=broker) as uow:
            made = await run(
                session=uow.session,
                provider=provider,
                currency=currency,
                run_id=run_id,
                minimum=minimum,
            )
            await uow.commit()
            await uow.session.refresh(made)  # loaded, so it reads after the session closes
            return made
    except IntegrityError:
        async with UnitOfWork(db=db, broker=broker, write=False) as uow:
            found = await uow.session.get(PayoutRun, run_id)
            if found is None:
                raise
            uow.session.expunge(found)  # a read unit of work rolls back, which would expire it
            return found
