"""The interface every payment provider implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

ChargeStatus = Literal["succeeded", "requires_action", "failed"]


@dataclass(frozen=True)
class ChargeResult:
    status: ChargeStatus
    ref: str | None
    failure_code: str | None = None
    message: str | None = None


@dataclass(frozen=True)
class RefundResult:
    ref: str


class PaymentProvider(Protocol):
    name: str

    async def charge(
        self,
        session: AsyncSession,
        *,
        amount: int,
        currency: str,
        card_number: str,
        idempotency_key: str,
    ) -> ChargeResult:
        """Charge a card; the provider dedupes on `idempotency_key`."""
        ...

    async def confirm(self, session: AsyncSession, *, ref: str, code: str) -> ChargeResult:
        """Complete a charge that returned `requires_action` (e.g. a 3-D Secure code)."""
        ...

    async def refund(
        self, session: AsyncSession, *, ref: str, amount: int, idempotency_key: str
    ) -> RefundResult: ...
