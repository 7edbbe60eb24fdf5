"""The built-in sandbox provider: deterministic test cards, a real book of charges.

Test cards (any future expiry, any CVC):

| number              | outcome                                             |
|---------------------|-----------------------------------------------------|
| 4242 4242 4242 4242 | succeeds                                            |
| 4000 0000 0000 0002 | declined (`card_declined`)                          |
| 4000 0000 0000 9995 | declined (`insufficient_funds`)                     |
| 4000 0027 6000 3184 | needs a second step: confirm with code `123456`     |

Any other Luhn-valid number succeeds; a number failing the Luhn check is refused.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.errors import Problem
from liveshop.payments.models import SandboxCharge
from liveshop.payments.provider import ChargeResult, ChargeStatus, RefundResult

CARD_SUCCESS = "4242424242424242"
CARD_DECLINED = "4000000000000002"
CARD_INSUFFICIENT = "4000000000009995"
CARD_CONFIRM = "4000002760003184"
CONFIRM_CODE = "123456"

_DECLINES = {
    CARD_DECLINED: ("card_declined", "The card was declined."),
    CARD_INSUFFICIENT: ("insufficient_funds", "The card has insufficient funds."),
}


def luhn_ok(number: str) -> bool:
    digits = [int(c) for c in number]
    for i in range(len(digits) - 2, -1, -2):
        digits[i] = digits[i] * 2 - 9 if digits[i] > 4 else digits[i] * 2
    return sum(digits) % 10 == 0


class SandboxProvider:
    name = "sandbox"

    async def charge(
        self,
        session: AsyncSession,
        *,
        amount: int,
        currency: str,
        card_number: str,
        idempotency_key: str,
    ) -> ChargeResult:
        existing = await self._by_key(session, idempotency_key)
        if existing is not None:
            return self._result(existing)
        if not luhn_ok(card_number):
            raise Problem(422, "invalid_card_number", "That card number is not valid.")
        status: ChargeStatus
        if card_number in _DECLINES:
            status = "failed"
        elif card_number == CARD_CONFIRM:
            status = "requires_action"
        else:
            status = "succeeded"
        charge = SandboxCharge(
            ref="ch_" + secrets.token_hex(12),
            idempotency_key=idempotency_key,
            amount=amount,
            currency=currency,
            card_last4=card_number[-4:],
            status=status,
        )
        session.add(charge)
        await session.flush()
        return self._result(charge, card_number)

    def _result(self, charge: SandboxCharge, card_number: str | None = None) -> ChargeResult:
        if charge.status == "failed":
            code, message = _DECLINES.get(
                card_number or "", ("card_declined", "The card was declined.")
            )
            return ChargeResult("failed", charge.ref, code, message)
        if charge.status == "succeeded":
            return ChargeResult("succeeded", charge.ref)
        return ChargeResult("requires_action", charge.ref)

    async def _by_key(self, session: AsyncSession, key: str) -> SandboxCharge | None:
        stmt = select(SandboxCharge).where(SandboxCharge.idempotency_key == key)
        return (await session.execute(stmt)).scalar_one_or_none()

    async def _by_ref(self, session: AsyncSession, ref: str) -> SandboxCharge:
        stmt = select(SandboxCharge).where(SandboxCharge.ref == ref).with_for_update()
        charge = (await session.execute(stmt)).scalar_one_or_none()
        if charge is None:
            raise Problem(404, "charge_not_found", "The provider has no such charge.")
        return charge

    async def confirm(self, session: AsyncSession, *, ref: str, code: str) -> ChargeResult:
        charge = await self._by_ref(session, ref)
        if charge.status == "requires_action":
            if code != CONFIRM_CODE:
                return ChargeResult("requires_action", ref, "confirmation_failed", "Wrong code.")
            charge.status = "succeeded"
        return self._result(charge)

    async def refund(
        self, session: AsyncSession, *, ref: str, amount: int, idempotency_key: str
    ) -> RefundResult:
        charge = await self._by_ref(session, ref)
        if charge.status != "succeeded" or charge.refunded + amount > charge.amount:
            raise Problem(
                409, "refund_exceeds_charge", "The refund is larger than what was charged."
            )
        charge.refunded += amount
        return RefundResult(ref="re_" + secrets.token_hex(12))
