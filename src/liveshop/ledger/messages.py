"""What the ledger tells the domains above it through the bus: a payout left for the owner's
bank (the outgoing `payout.paid` webhook hears it)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PayoutPaid:
    payout_id: int
    owner_kind: str  # "shop" or "creator"
    owner_id: int
    amount: int  # minor units
    currency: str
