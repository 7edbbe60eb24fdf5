"""Ledger tables, shaped like TigerBeetle's accounts and transfers.

An account keeps four running sums (debits/credits, pending/posted), one ledger per currency.
A transfer moves `amount` from one account's debit side to another's credit side and is never
changed once written: its id is its idempotency, and a correction is a new transfer.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt, utcnow


class Kind(StrEnum):
    """The chart of accounts (owner 0 = the platform's own account in that currency)."""

    buyer_clearing = "buyer_clearing"  # buyers' money the platform holds (debit-normal)
    seller_payable = "seller_payable"  # per shop
    seller_receivable = (
        "seller_receivable"  # per shop: what a seller owes back (refund after payout)
    )
    creator_payable = "creator_payable"  # per creator (user id)
    creator_receivable = "creator_receivable"  # per creator
    fee_revenue = "fee_revenue"
    subsidy_expense = "subsidy_expense"
    payouts_in_transit = "payouts_in_transit"
    refunds = "refunds"
    reserve = "reserve"  # per shop: the rolling reserve held back from its settlements


PARTY_KINDS = frozenset({Kind.seller_payable, Kind.creator_payable, Kind.reserve})


class Phase(StrEnum):
    single = "single"  # posted at once
    pending = "pending"
    post = "post"  # posts (part of) a pending transfer
    void = "void"  # gives a pending transfer's amount back


class LedgerAccount(Base):
    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("ledger", "kind", "owner_id"),)

    id: Mapped[int] = mapped_column(BigInt, primary_key=True, autoincrement=True)
    ledger: Mapped[str] = mapped_column(String(3))  # ISO 4217: one ledger per currency
    kind: Mapped[str] = mapped_column(String(24))
    owner_id: Mapped[int] = mapped_column(BigInt, default=0)
    debits_pending: Mapped[int] = mapped_column(BigInt, default=0)
    debits_posted: Mapped[int] = mapped_column(BigInt, default=0)
    credits_pending: Mapped[int] = mapped_column(BigInt, default=0)
    credits_posted: Mapped[int] = mapped_column(BigInt, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerTransfer(Base):
    """One immutable leg. Legs written together share `batch` (TigerBeetle's linked chain)."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        Index("ix_ledger_transfers_order", "order_id"),
        Index("ix_ledger_transfers_debit", "debit_account_id"),
        Index("ix_ledger_transfers_credit", "credit_account_id"),
        # A pending transfer resolves at most once.
        Index(
            "ux_ledger_transfers_pending",
            "pending_id",
            unique=True,
            postgresql_where=text("pending_id IS NOT NULL"),
            sqlite_where=text("pending_id IS NOT NULL"),
        ),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    batch: Mapped[str] = mapped_column(String(120))
    ledger: Mapped[str] = mapped_column(String(3))
    debit_account_id: Mapped[int] = mapped_column(BigInt, ForeignKey("ledger_accounts.id"))
    credit_account_id: Mapped[int] = mapped_column(BigInt, ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInt)
    # For post/void: how much of the pending amount this resolution takes off pending.
    released: Mapped[int] = mapped_column(BigInt, default=0)
    phase: Mapped[str] = mapped_column(String(8))
    pending_id: Mapped[str | None] = mapped_column(String(120))
    code: Mapped[str] = mapped_column(String(24))  # payment, fee, subsidy, commission, refund…
    order_id: Mapped[int | None] = mapped_column(BigInt)
    line_id: Mapped[int | None] = mapped_column(BigInt)
    product_id: Mapped[int | None] = mapped_column(BigInt)
    show_id: Mapped[int | None] = mapped_column(BigInt)
    ref: Mapped[str | None] = mapped_column(String(120))  # program, payout run, …
    reason: Mapped[str] = mapped_column(String(200), default="")
    due_at: Mapped[datetime | None]  # reserve legs: when they may be released
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ImmutableTransfer(RuntimeError):
    """Raised when code tries to edit or delete a written transfer."""


@event.listens_for(LedgerTransfer, "before_update")
def _refuse_update(*_args: Any) -> None:
    raise ImmutableTransfer("ledger transfers are immutable; post a correcting transfer")


@event.listens_for(LedgerTransfer, "before_delete")
def _refuse_delete(*_args: Any) -> None:
    raise ImmutableTransfer("ledger transfers are immutable; post a correcting transfer")


class ShopTerms(Base):
    """A shop's rolling reserve: `reserve_bp` of each settlement, released `reserve_days` later."""

    __tablename__ = "ledger_shop_terms"

    shop_id: Mapped[int] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    reserve_bp: Mapped[int] = mapped_column(default=0)
    reserve_days: Mapped[int] = mapped_column(default=30)


class IncentiveProgram(Base):
    """A platform-funded program with a budget; `spent` never passes `budget`."""

    __tablename__ = "incentive_programs"
    __table_args__ = (CheckConstraint("spent <= budget", name="within_budget"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(24))  # new_seller | creator_gmv_tier | live_coupon
    currency: Mapped[str] = mapped_column(String(3))
    budget: Mapped[int] = mapped_column(BigInt)
    spent: Mapped[int] = mapped_column(BigInt, default=0)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class IncentiveAward(Base):
    """One payment out of a program; (program, ref) is unique, so an award is made once."""

    __tablename__ = "incentive_awards"
    __table_args__ = (UniqueConstraint("program_id", "ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    program_id: Mapped[int] = mapped_column(ForeignKey("incentive_programs.id"), index=True)
    ref: Mapped[str] = mapped_column(String(120))
    amount: Mapped[int] = mapped_column(BigInt)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PayoutRun(Base):
    __tablename__ = "payout_runs"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    payouts: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(BigInt, default=0)
    csv: Mapped[str] = mapped_column(String, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Payout(Base):
    __tablename__ = "payouts"
    __table_args__ = (UniqueConstraint("run_id", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("payout_runs.id"), index=True)
    account_id: Mapped[int] = mapped_column(BigInt, ForeignKey("ledger_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    owner_id: Mapped[int] = mapped_column(BigInt)
    amount: Mapped[int] = mapped_column(BigInt)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(12))  # sent | failed
    provider_ref: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SandboxPayout(Base):
    """The sandbox payout provider's own book (a bank would keep this)."""

    __tablename__ = "sandbox_payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    ref: Mapped[str] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInt)
    currency: Mapped[str] = mapped_column(String(3))
    beneficiary: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
