"""Room events for auctions, giveaways and LIVE coupons: typed models with a `type` field.

They are queued with `liveshop.live.events.send_room_event`, so they go out only after commit.
Money travels as integer minor units plus the currency; clients format it. Users are named by
their public handle only, never by email or id.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel


class AuctionOpenedEvent(BaseModel):
    type: Literal["auction_opened"] = "auction_opened"
    auction_id: int
    product_id: int
    variant_id: int
    title: str
    currency: str
    start_price: int
    min_bid: int
    ends_at: datetime
    anti_snipe_seconds: int
    sudden_death: bool


class AuctionBidEvent(BaseModel):
    type: Literal["auction_bid"] = "auction_bid"
    auction_id: int
    currency: str
    current_price: int
    min_bid: int
    leader: str
    ends_at: datetime


class AuctionExtendedEvent(BaseModel):
    type: Literal["auction_extended"] = "auction_extended"
    auction_id: int
    ends_at: datetime


class AuctionEndedEvent(BaseModel):
    type: Literal["auction_ended"] = "auction_ended"
    auction_id: int
    currency: str
    winner: str | None
    price: int | None


class GiveawayOpenedEvent(BaseModel):
    type: Literal["giveaway_opened"] = "giveaway_opened"
    giveaway_id: int
    product_id: int
    title: str
    eligibility: str
    market: str | None


class GiveawayEnteredEvent(BaseModel):
    type: Literal["giveaway_entered"] = "giveaway_entered"
    giveaway_id: int
    count: int


class GiveawayDrawnEvent(BaseModel):
    type: Literal["giveaway_drawn"] = "giveaway_drawn"
    giveaway_id: int
    round: int
    winner: str | None  # None: nobody eligible was left to draw


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
