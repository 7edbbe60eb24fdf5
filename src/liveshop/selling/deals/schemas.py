from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from liveshop.accounts.schemas import MarketCode
from liveshop.catalog.schemas import MAX_MONEY
from liveshop.inputs import Input
from liveshop.orders.schemas import Address, CouponCode

DealPrices = dict[MarketCode, Annotated[int, Field(ge=0, le=MAX_MONEY)]]


class DealCreate(Input):
    variant_id: int = Field(ge=1, le=2**31 - 1)
    prices: DealPrices = Field(description="Deal price per market, minor units")
    stock: int = Field(ge=1, le=100_000)
    per_buyer_limit: int = Field(default=1, ge=1, le=99)
    countdown_seconds: int = Field(default=10, ge=10, le=300)
    duration_seconds: int = Field(default=300, ge=60, le=1200)

    @field_validator("prices")
    @classmethod
    def _some_price(cls, prices: DealPrices) -> DealPrices:
        if not prices:
            raise ValueError("give a deal price for at least one market")
        return prices


class DealBuy(Input):
    market: MarketCode
    quantity: int = Field(default=1, ge=1, le=99)
    address: Address
    coupons: list[CouponCode] = Field(default_factory=list, max_length=5)


class DealPrice(BaseModel):
    market: str
    amount: int
    formatted: str
    regular: int | None = None
    regular_formatted: str | None = None


class DealPublic(BaseModel):
    id: int
    show_id: int
    product_id: int
    variant_id: int
    title: str
    prices: list[DealPrice]
    stock: int
    left: int
    per_buyer_limit: int
    opens_at: datetime
    ends_at: datetime
    status: str
