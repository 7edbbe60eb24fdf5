from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from liveshop.inputs import Input

CardNumber = Annotated[str, StringConstraints(pattern=r"^[0-9 ]{12,23}$", strip_whitespace=True)]


class PaymentCreate(Input):
    card_number: CardNumber
    exp_month: int = Field(default=12, ge=1, le=12)
    exp_year: int = Field(default=2030, ge=2000, le=2100)
    cvc: str = Field(default="123", pattern=r"^[0-9]{3,4}$")


class PaymentConfirm(Input):
    code: str = Field(min_length=1, max_length=12)


class RefundCreate(Input):
    amount: int | None = Field(
        default=None, ge=1, le=10**12, description="Minor units; default all"
    )
    reason: str = Field(default="", max_length=200)


class PaymentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    amount: int
    currency: str
    status: str
    provider: str
    failure_code: str | None
    card_last4: str | None
    refunded_amount: int
    created_at: datetime
    next_action: str | None = None


class RefundPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    payment_id: int
    order_id: int
    amount: int
    reason: str
    created_at: datetime
