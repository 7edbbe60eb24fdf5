"""What a coupon tells the room."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class CouponOpenedEvent(BaseModel):
    type: Literal["coupon_opened"] = "coupon_opened"
    code: str
    kind: str
    value: int
    currency: str
    min_spend: int
    remaining: int
    unlock: str
    unlock_minutes: int
    funded_by: str


class CouponClaimedEvent(BaseModel):
    type: Literal["coupon_claimed"] = "coupon_claimed"
    code: str
    remaining: int
