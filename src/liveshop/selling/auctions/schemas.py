"""What the auction API takes and gives."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from liveshop.accounts.schemas import MarketCode
from liveshop.inputs import Input
from liveshop.markets.money import MoneyPublic
from liveshop.orders.schemas import Address
from liveshop.selling.promotions import MAX_MONEY, Id, Money


class AuctionCreate(Input):
    variant_id: int = Id
    market: MarketCode
    start_price: Money
    increments: list[
        Annotated[
            list[Annotated[int, Field(ge=0, le=MAX_MONEY)]], Field(min_length=2, max_length=2)
        ]
    ] = Field(
        min_length=1,
        max_length=50,
        description="[[from_amount, increment], ...], ascending from 0",
        examples=[[[0, 100], [2000, 250], [10000, 1000]]],
    )
    duration_seconds: int = Field(ge=5, le=24 * 3600)
    anti_snipe_seconds: Literal[5, 10, 15] = 10
    sudden_death: bool = False

    @model_validator(mode="after")
    def _table(self) -> AuctionCreate:
        froms = [row[0] for row in self.increments]
        if froms[0] != 0 or any(b <= a for a, b in pairwise(froms)):
            raise ValueError("increments must start at 0 and ascend strictly by from_amount")
        if any(row[1] < 1 for row in self.increments):
            raise ValueError("every increment must be at least 1")
        return self


class BidIn(Input):
    amount: Money
    max_amount: Money | None = Field(
        default=None, description="Proxy bid: bid for me up to this much, one increment at a time"
    )

    @model_validator(mode="after")
    def _max(self) -> BidIn:
        if self.max_amount is not None and self.max_amount < self.amount:
            raise ValueError("max_amount must be at least amount")
        return self


class AuctionPublic(BaseModel):
    id: int
    show_id: int
    product_id: int
    variant_id: int
    status: str
    market: str
    currency: str
    start_price: MoneyPublic
    current_price: MoneyPublic | None
    min_bid: MoneyPublic
    leader: str | None
    increments: list[list[int]]
    anti_snipe_seconds: int
    sudden_death: bool
    opens_at: datetime
    ends_at: datetime
    winner_order_id: int | None


class BidPublic(BaseModel):
    id: int
    auction_id: int
    bidder: str
    amount: MoneyPublic
    max_amount: MoneyPublic | None = Field(description="Shown to the bidder only")
    accepted: bool
    reason: str | None
    via: str
    created_at: datetime


class BidResult(BaseModel):
    bid: BidPublic
    leading: bool
    auction: AuctionPublic


class WinnerAddressIn(Input):
    address: Address
