from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt, utcnow


class DealStatus(StrEnum):
    scheduled = "scheduled"  # counting down
    open = "open"
    sold_out = "sold_out"
    ended = "ended"
    cancelled = "cancelled"


class FlashDeal(Base):
    """Units of one variant carved out of its stock and sold at a deal price for a while.

    The deal's units are held on the variant (`variants.held`) from creation, so regular
    checkout can never sell them; `sold + held <= stock` holds for the deal itself.
    """

    __tablename__ = "flash_deals"
    __table_args__ = (
        CheckConstraint("held >= 0 AND sold >= 0 AND sold + held <= stock", name="within_stock"),
        CheckConstraint("per_buyer_limit >= 1", name="limit_positive"),
        Index("ix_flash_deals_show", "show_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prices: Mapped[dict[str, int]] = mapped_column(JSON)  # market code -> minor units
    stock: Mapped[int]
    sold: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    per_buyer_limit: Mapped[int] = mapped_column(default=1)
    opens_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default=DealStatus.scheduled.value)
    released: Mapped[bool] = mapped_column(default=False)  # leftover units went back to the variant
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class DealBuyer(Base):
    """Units a buyer holds or bought in a deal; the per-buyer limit is checked on this row."""

    __tablename__ = "deal_buyers"
    __table_args__ = (
        UniqueConstraint("deal_id", "buyer_id"),
        CheckConstraint("units >= 0", name="units_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("flash_deals.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    units: Mapped[int] = mapped_column(default=0)


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


class Giveaway(Base):
    __tablename__ = "giveaways"
    __table_args__ = (Index("ix_giveaways_show", "show_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    eligibility: Mapped[str] = mapped_column(String(10), default="everyone")
    market_code: Mapped[str | None] = mapped_column(ForeignKey("markets.code"))
    status: Mapped[str] = mapped_column(String(10), default="open")
    # Each draw: {"seed": hex, "entrants": n, "winner_id": id, "at": iso, "order_id": id}
    draws: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    winner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    winner_order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    claim_deadline: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class GiveawayEntry(Base):
    __tablename__ = "giveaway_entries"
    __table_args__ = (UniqueConstraint("giveaway_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    giveaway_id: Mapped[int] = mapped_column(ForeignKey("giveaways.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Coupon(Base):
    """A LIVE coupon: valid only while its show is live, with a quota and per-buyer claims."""

    __tablename__ = "coupons"
    __table_args__ = (
        UniqueConstraint("show_id", "code"),
        CheckConstraint("claimed >= 0 AND claimed <= quota", name="within_quota"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    code: Mapped[str] = mapped_column(String(40))
    funded_by: Mapped[str] = mapped_column(String(10))  # platform | seller
    kind: Mapped[str] = mapped_column(String(10))  # amount | percent
    value: Mapped[int] = mapped_column(BigInt)  # minor units, or basis points for percent
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    min_spend: Mapped[int] = mapped_column(BigInt, default=0)
    quota: Mapped[int]
    claimed: Mapped[int] = mapped_column(default=0)
    per_buyer: Mapped[int] = mapped_column(default=1)
    unlock: Mapped[str] = mapped_column(
        String(16), default="none"
    )  # none|follow_host|watch_minutes
    unlock_minutes: Mapped[int] = mapped_column(default=0)
    stackable: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CouponClaim(Base):
    __tablename__ = "coupon_claims"
    __table_args__ = (Index("ix_coupon_claims_user", "coupon_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coupon_id: Mapped[int] = mapped_column(ForeignKey("coupons.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WatchTime(Base):
    """Seconds a viewer has watched a show (for watch-N-minutes coupon unlocks)."""

    __tablename__ = "watch_times"
    __table_args__ = (UniqueConstraint("show_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    seconds: Mapped[int] = mapped_column(default=0)


class CampaignPrice(Base):
    """A variant's price during a multi-brand event: below the regular price, above a deal."""

    __tablename__ = "campaign_prices"
    __table_args__ = (UniqueConstraint("event_id", "variant_id", "market_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("live_events.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    amount: Mapped[int] = mapped_column(BigInt)
