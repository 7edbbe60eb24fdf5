"""`liveshop ledger check`: the trial balance, and every account's sums against its entries."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.ledger.models import PARTY_KINDS, LedgerAccount, LedgerTransfer, Phase


@dataclass
class Trial:
    ledger: str
    debits_posted: int = 0
    credits_posted: int = 0
    debits_pending: int = 0
    credits_pending: int = 0
    accounts: int = 0

    @property
    def balanced(self) -> bool:
        return (
            self.debits_posted == self.credits_posted
            and self.debits_pending == self.credits_pending
        )


@dataclass
class Report:
    trials: list[Trial] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    transfers: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems and all(t.balanced for t in self.trials)


def _sums(side: str) -> Select[Any]:
    """Per account: (pending, posted) on one side, recomputed from the transfers."""
    col = getattr(LedgerTransfer, f"{side}_account_id")
    pending = func.sum(
        case(
            (LedgerTransfer.phase == Phase.pending.value, LedgerTransfer.amount),
            (
                LedgerTransfer.phase.in_([Phase.post.value, Phase.void.value]),
                -LedgerTransfer.released,
            ),
            else_=0,
        )
    )
    posted = func.sum(
        case(
            (
                LedgerTransfer.phase.in_([Phase.single.value, Phase.post.value]),
                LedgerTransfer.amount,
            ),
            else_=0,
        )
    )
    return select(col, pending, posted, func.count()).group_by(col)


async def check(session: AsyncSession) -> Report:
    report = Report()
    debit = {
        a: (int(p or 0), int(q or 0), n)
        for a, p, q, n in (await session.execute(_sums("debit"))).all()
    }
    credit = {
        a: (int(p or 0), int(q or 0), n)
        for a, p, q, n in (await session.execute(_sums("credit"))).all()
    }
    report.transfers = sum(n for _p, _q, n in debit.values())
    trials: dict[str, Trial] = {}
    accounts = (await session.execute(select(LedgerAccount).order_by(LedgerAccount.id))).scalars()
    for a in accounts:
        t = trials.setdefault(a.ledger, Trial(a.ledger))
        t.accounts += 1
        t.debits_posted += a.debits_posted
        t.credits_posted += a.credits_posted
        t.debits_pending += a.debits_pending
        t.credits_pending += a.credits_pending
        dp, dpo, _ = debit.pop(a.id, (0, 0, 0))
        cp, cpo, _ = credit.pop(a.id, (0, 0, 0))
        stored = (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted)
        if stored != (dp, dpo, cp, cpo):
            report.problems.append(
                f"account {a.id} ({a.ledger} {a.kind} {a.owner_id}) holds "
                f"{stored} but its transfers add up to {(dp, dpo, cp, cpo)}"
            )
        if (
            a.kind in PARTY_KINDS
            and a.credits_posted + a.credits_pending < a.debits_posted + a.debits_pending
        ):
            report.problems.append(
                f"account {a.id} ({a.ledger} {a.kind} {a.owner_id}) is negative with no receivable"
            )
    for a_id in sorted({*debit, *credit}):
        report.problems.append(f"transfers name account {a_id}, which does not exist")
    mismatched = await session.execute(
        select(func.count())
        .select_from(LedgerTransfer)
        .join(LedgerAccount, LedgerAccount.id == LedgerTransfer.debit_account_id)
        .where(LedgerAccount.ledger != LedgerTransfer.ledger)
    )
    if (n := int(mismatched.scalar_one())) > 0:
        report.problems.append(f"{n} transfers debit an account on another ledger")
    report.trials = sorted(trials.values(), key=lambda t: t.ledger)
    for t in report.trials:
        if not t.balanced:
            report.problems.append(f"ledger {t.ledger} does not sum to zero")
    return report
