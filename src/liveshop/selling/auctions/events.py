"""What an auction tells the room."""

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
