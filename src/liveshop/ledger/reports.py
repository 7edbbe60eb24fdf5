"""What the finance pages show, read straight from the ledger (never from order totals)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.catalog import service as catalog
from liveshop.errors import forbidden
from liveshop.ledger.check import check
from liveshop.ledger.models import Kind, LedgerAccount, LedgerTransfer, Payout, PayoutRun, Phase
from liveshop.ledger.terms import Terms
from liveshop.markets.money import format_money
from liveshop.orders.models import Order

LOCALE = {"GBP": "en_GB", "EUR": "de_DE", "USD": "en_US", "IDR": "id_ID"}
STATEMENT_LIMIT = 10_000


def money(amount: int, currency: str) -> dict[str, Any]:
    return {
        "amount": amount,
        "currency": currency,
        "formatted": format_money(amount, currency, LOCALE.get(currency, "en")),
    }


async def _accounts(session: AsyncSession, kinds: list[Kind], owner: int) -> list[LedgerAccount]:
    rows = await session.execute(
        select(LedgerAccount)
        .where(LedgerAccount.kind.in_([k.value for k in kinds]), LedgerAccount.owner_id == owner)
        .order_by(LedgerAccount.ledger, LedgerAccount.id)
    )
    return list(rows.scalars())


async def _by_code(session: AsyncSession, account_id: int) -> dict[str, int]:
    """Posted money into (+) and out of (-) one account, by what caused it."""
    out: dict[str, int] = {}
    posted = LedgerTransfer.phase.in_([Phase.single.value, Phase.post.value])
    for col, sign in ((LedgerTransfer.credit_account_id, 1), (LedgerTransfer.debit_account_id, -1)):
        rows = await session.execute(
            select(LedgerTransfer.code, func.sum(LedgerTransfer.amount))
            .where(col == account_id, posted)
            .group_by(LedgerTransfer.code)
        )
        for code, amount in rows.all():
            out[code] = out.get(code, 0) + sign * int(amount or 0)
    return out


async def _paid_out(session: AsyncSession, account_id: int) -> int:
    rows = await session.execute(
        select(func.coalesce(func.sum(Payout.amount), 0)).where(
            Payout.account_id == account_id, Payout.status == "sent"
        )
    )
    return int(rows.scalar_one())


async def seller_finance(
    *, session: AsyncSession, actor: User, shop_id: int, terms: Terms
) -> dict[str, Any]:
    """A shop's money per currency: pending, payable, reserve, fees, payouts, orders to settle."""
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    currencies = []
    for acct in await _accounts(session, [Kind.seller_payable], shop_id):
        ccy = acct.ledger
        reserve_rows = [
            a for a in await _accounts(session, [Kind.reserve], shop_id) if a.ledger == ccy
        ]
        owed_rows = [
            a
            for a in await _accounts(session, [Kind.seller_receivable], shop_id)
            if a.ledger == ccy
        ]
        by_code = await _by_code(session, acct.id)
        currencies.append(
            {
                "currency": ccy,
                "pending": money(acct.credits_pending - acct.debits_pending, ccy),
                "payable": money(acct.credits_posted - acct.debits_posted, ccy),
                "reserve": money(
                    sum(a.credits_posted - a.debits_posted for a in reserve_rows), ccy
                ),
                "owed": money(sum(a.debits_posted - a.credits_posted for a in owed_rows), ccy),
                "paid_out": money(await _paid_out(session, acct.id), ccy),
                "by_code": {code: money(v, ccy) for code, v in sorted(by_code.items())},
                "to_settle": await _to_settle(session, acct.id, terms),
                "payouts": await _payouts(session, acct.id),
            }
        )
    return {"shop_id": shop_id, "currencies": currencies}


async def _to_settle(session: AsyncSession, account_id: int, terms: Terms) -> list[dict[str, Any]]:
    resolved = select(LedgerTransfer.pending_id).where(LedgerTransfer.pending_id.is_not(None))
    rows = await session.execute(
        select(LedgerTransfer, Order.market_code, Order.delivered_at, Order.status)
        .join(Order, Order.id == LedgerTransfer.order_id)
        .where(
            LedgerTransfer.credit_account_id == account_id,
            LedgerTransfer.code == "payment",
            LedgerTransfer.phase == Phase.pending.value,
            LedgerTransfer.id.not_in(resolved),
        )
        .order_by(LedgerTransfer.order_id)
        .limit(200)
    )
    out = []
    for t, market, delivered, status in rows.all():
        due = delivered + timedelta(days=terms.days(market)) if delivered else None
        out.append(
            {
                "order_id": t.order_id,
                "amount": money(t.amount, t.ledger),
                "status": status,
                "settles_on": due.date().isoformat() if due else None,
            }
        )
    return out


async def _payouts(session: AsyncSession, account_id: int) -> list[dict[str, Any]]:
    rows = await session.execute(
        select(Payout).where(Payout.account_id == account_id).order_by(Payout.id.desc()).limit(50)
    )
    return [
        {
            "run_id": p.run_id,
            "amount": money(p.amount, p.currency),
            "status": p.status,
            "provider_ref": p.provider_ref,
            "created_at": p.created_at.isoformat(),
        }
        for p in rows.scalars()
    ]


async def statement_csv(*, session: AsyncSession, actor: User, shop_id: int) -> str:
    """Every transfer that touched the shop's accounts, oldest first (the seller's statement)."""
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    accts = {
        a.id: a
        for a in await _accounts(
            session, [Kind.seller_payable, Kind.reserve, Kind.seller_receivable], shop_id
        )
    }
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(
        [
            "created_at",
            "transfer_id",
            "currency",
            "account",
            "order_id",
            "code",
            "phase",
            "debit_minor",
            "credit_minor",
            "reason",
        ]
    )
    if accts:
        ids = list(accts)
        rows = await session.execute(
            select(LedgerTransfer)
            .where(
                or_(
                    LedgerTransfer.debit_account_id.in_(ids),
                    LedgerTransfer.credit_account_id.in_(ids),
                )
            )
            .order_by(LedgerTransfer.created_at, LedgerTransfer.id)
            .limit(STATEMENT_LIMIT)
        )
        for t in rows.scalars():
            mine = t.credit_account_id if t.credit_account_id in accts else t.debit_account_id
            credit = t.amount if t.credit_account_id == mine else 0
            debit = t.amount if t.debit_account_id == mine else 0
            w.writerow(
                [
                    t.created_at.isoformat(),
                    t.id,
                    t.ledger,
                    accts[mine].kind,
                    t.order_id or "",
                    t.code,
                    t.phase,
                    debit,
                    credit,
                    t.reason,
                ]
            )
    return out.getvalue()


async def creator_earnings(*, session: AsyncSession, actor: User) -> dict[str, Any]:
    """A creator's commissions per currency: pending, payable, paid; per show and product."""
    currencies = []
    for acct in await _accounts(session, [Kind.creator_payable], actor.id):
        ccy = acct.ledger
        resolution = {
            t.pending_id: t
            for t in (
                await session.execute(
                    select(LedgerTransfer).where(
                        LedgerTransfer.credit_account_id == acct.id,
                        LedgerTransfer.pending_id.is_not(None),
                    )
                )
            ).scalars()
        }
        reversed_ = {
            t.id.rsplit(":reverse", 1)[0]: t.amount
            for t in (
                await session.execute(
                    select(LedgerTransfer).where(
                        LedgerTransfer.debit_account_id == acct.id,
                        LedgerTransfer.code == "commission",
                    )
                )
            ).scalars()
        }
        lines = []
        per_show: dict[str, int] = {}
        per_product: dict[str, int] = {}
        rows = await session.execute(
            select(LedgerTransfer)
            .where(
                LedgerTransfer.credit_account_id == acct.id,
                LedgerTransfer.code == "commission",
                LedgerTransfer.phase == Phase.pending.value,
            )
            .order_by(LedgerTransfer.order_id, LedgerTransfer.line_id)
        )
        for t in rows.scalars():
            done = resolution.get(t.id)
            state = "pending" if done is None else ("void" if done.phase == "void" else "posted")
            earned = t.amount if done is None else done.amount
            earned -= reversed_.get(t.id, 0)
            show = str(t.show_id) if t.show_id else "link"
            per_show[show] = per_show.get(show, 0) + earned
            per_product[str(t.product_id)] = per_product.get(str(t.product_id), 0) + earned
            lines.append(
                {
                    "order_id": t.order_id,
                    "line_id": t.line_id,
                    "product_id": t.product_id,
                    "show_id": t.show_id,
                    "commission": money(t.amount, ccy),
                    "earned": money(earned, ccy),
                    "state": state,
                    "reason": t.reason,
                }
            )
        currencies.append(
            {
                "currency": ccy,
                "pending": money(acct.credits_pending - acct.debits_pending, ccy),
                "payable": money(acct.credits_posted - acct.debits_posted, ccy),
                "paid": money(await _paid_out(session, acct.id), ccy),
                "per_show": [
                    {"show": k, "amount": money(v, ccy)} for k, v in sorted(per_show.items())
                ],
                "per_product": [
                    {"product_id": k, "amount": money(v, ccy)}
                    for k, v in sorted(per_product.items())
                ],
                "lines": lines[:500],
            }
        )
    return {"creator_id": actor.id, "currencies": currencies}


def require_admin(actor: User) -> None:
    if not actor.has_role(Role.admin):
        raise forbidden("Only operators see the platform's books.")


async def trial_balance(*, session: AsyncSession, actor: User) -> dict[str, Any]:
    require_admin(actor)
    report = await check(session)
    return {
        "ok": report.ok,
        "transfers": report.transfers,
        "problems": report.problems[:100],
        "ledgers": [
            {
                "currency": t.ledger,
                "accounts": t.accounts,
                "debits_posted": money(t.debits_posted, t.ledger),
                "credits_posted": money(t.credits_posted, t.ledger),
                "debits_pending": money(t.debits_pending, t.ledger),
                "credits_pending": money(t.credits_pending, t.ledger),
                "balanced": t.balanced,
            }
            for t in report.trials
        ],
    }


async def payout_runs(*, session: AsyncSession, actor: User) -> list[dict[str, Any]]:
    require_admin(actor)
    rows = await session.execute(select(PayoutRun).order_by(PayoutRun.created_at.desc()).limit(100))
    return [
        {
            "id": r.id,
            "currency": r.currency,
            "payouts": r.payouts,
            "total": money(r.total, r.currency),
            "created_at": r.created_at.isoformat(),
        }
        for r in rows.scalars()
    ]
