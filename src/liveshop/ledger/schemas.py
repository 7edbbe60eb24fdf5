"""Request bodies of the ledger's admin endpoints."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from liveshop.inputs import Input, When

MAX_MINOR = 10**12
Tier = Annotated[list[Annotated[int, Field(ge=0, le=MAX_MINOR)]], Field(min_length=2, max_length=2)]


class ProgramCreate(Input):
    name: str = Field(min_length=1, max_length=120, pattern=r"\S")
    kind: Literal["new_seller", "creator_gmv_tier", "live_coupon"]
    currency: Literal["GBP", "EUR", "USD", "IDR"]
    budget: int = Field(gt=0, le=MAX_MINOR)
    starts_at: When
    ends_at: When
    # new_seller: fee_bp (0..10000), bonus, first_orders, first_days; creator_gmv_tier: tiers.
    fee_bp: int | None = Field(default=None, ge=0, le=10_000)
    bonus: int | None = Field(default=None, ge=0, le=MAX_MINOR)
    first_orders: int | None = Field(default=None, ge=1, le=1_000_000)
    first_days: int | None = Field(default=None, ge=1, le=3650)
    # [[GMV reached, bonus], …] in minor units, GMV ascending
    tiers: list[Tier] | None = Field(default=None, max_length=20)

    def params(self) -> dict[str, Any]:
        keys = ("fee_bp", "bonus", "first_orders", "first_days", "tiers")
        return {k: getattr(self, k) for k in keys if getattr(self, k) is not None}


class ShopTermsUpdate(Input):
    reserve_bp: int = Field(ge=0, le=5000)
    reserve_days: int = Field(default=30, ge=1, le=365)


class PayoutRunCreate(Input):
    currency: Literal["GBP", "EUR", "USD", "IDR"]
