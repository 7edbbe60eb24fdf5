"""What the coupon API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from liveshop.accounts.schemas import MarketCode
from liveshop.inputs import Input
from liveshop.selling.promotions import MAX_MONEY, CouponCodeStr


class CouponCreate(Input):
    code: CouponCodeStr
    kind: Literal["amount", "percent"]
    value: int = Field(ge=1, le=MAX_MONEY, description="Minor units, or basis points (percent)")
    market: MarketCode
    min_spend: int = Field(default=0, ge=0, le=MAX_MONEY)
    quota: int = Field(ge=1, le=1_000_000)
    per_buyer: int = Field(default=1, ge=1, le=100)
    unlock: Literal["none", "follow_host", "watch_minutes"] = "none"
    unlock_minutes: int = Field(default=0, ge=0, le=24 * 60)
    stackable: bool = False
    shop_id: int | None = Field(default=None, ge=1, le=2**31 - 1)

    @model_validator(mode="after")
    def _consistent(self) -> CouponCreate:
        if self.kind == "percent" and self.value > 10_000:
            raise ValueError("a percent coupon's value is basis points, at most 10000")
        if (self.unlock == "watch_minutes") != (self.unlock_minutes > 0):
            raise ValueError("give unlock_minutes exactly when unlock is 'watch_minutes'")
        return self


class CouponPublic(BaseModel):
    id: int
    show_id: int
    shop_id: int | None
    code: str
    kind: str
    value: int
    market: str
    currency: str
    min_spend: int
    quota: int
    claimed: int
    remaining: int
    per_buyer: int
    unlock: str
    unlock_minutes: int
    stackable: bool
    funded_by: str


class CouponClaimPublic(BaseModel):
    id: int
    coupon: CouponPublic
    claims_used: int = Field(description="This buyer's claims of the coupon so far")
    order_id: int | None
    created_at: datetime
