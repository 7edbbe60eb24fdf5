"""Auctions and their bids."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt, utcnow


class AuctionStatus(StrEnum):
    scheduled = "scheduled"
    open = "open"
    ended = "ended"
    cancelled = "cancelled"


class Auction(Base):
    __tablename__ = "auctions"
    __table_args__ = (Index("ix_auctions_show", "show_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    currency: Mapped[str] = mapped_column(String(3))
    start_price: Mapped[int] = mapped_column(BigInt)
    # [[from_amount, increment], ...] ascending: the increment that applies at a price.
    increments: Mapped[list[list[int]]] = mapped_column(JSON)
    current_price: Mapped[int | None] = mapped_column(BigInt)
    leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    leader_max: Mapped[int | None] = mapped_column(BigInt)
    leader_bid_id: Mapped[int | None]
    anti_snipe_seconds: Mapped[int] = mapped_column(default=10)
    sudden_death: Mapped[bool] = mapped_column(default=False)
    opens_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=AuctionStatus.scheduled.value)
    winner_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Bid(Base):
    """Every bid is kept for audit, accepted or not."""

    __tablename__ = "bids"
    __table_args__ = (Index("ix_bids_auction", "auction_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    auction_id: Mapped[int] = mapped_column(ForeignKey("auctions.id", ondelete="CASCADE"))
    bidder_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInt)
    max_amount: Mapped[int] = mapped_column(BigInt)
    accepted: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(String(40))
    via: Mapped[str] = mapped_column(String(8), default="http")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
