"""API models for auctions, giveaways and LIVE coupons."""

from __future__ import annotations

from datetime import datetime
from itertools import pairwise
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, model_validator

from liveshop.accounts.schemas import MarketCode
from liveshop.inputs import Input
from liveshop.markets.money import MoneyPublic
from liveshop.orders.schemas import Address

Id = Field(ge=1, le=2**31 - 1)
MAX_MONEY = 10**12  # minor units; far above any sale, far below the database's integer range
Money = Annotated[int, Field(ge=1, le=MAX_MONEY)]
CouponCodeStr = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_upper=True,
        min_length=3,
        max_length=40,
        pattern=r"^[A-Za-z0-9_-]+$",
    ),
]

# --- auctions ------------------------------------------------------------------------------


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


# --- giveaways -----------------------------------------------------------------------------


class GiveawayCreate(Input):
    variant_id: int = Id
    eligibility: Literal["everyone", "followers", "market"] = "everyone"
    market: MarketCode | None = None

    @model_validator(mode="after")
    def _market(self) -> GiveawayCreate:
        if (self.eligibility == "market") != (self.market is not None):
            raise ValueError("give a market exactly when eligibility is 'market'")
        return self


class GiveawayPublic(BaseModel):
    id: int
    show_id: int
    product_id: int
    variant_id: int
    status: str
    eligibility: str
    market: str | None
    entrants: int
    winner: str | None
    claim_deadline: datetime | None
    draws: list[dict[str, Any]]
    created_at: datetime


class EntryResult(BaseModel):
    giveaway_id: int
    entered: bool
    count: int


class ClaimIn(Input):
    address: Address


# --- coupons -------------------------------------------------------------------------------


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
