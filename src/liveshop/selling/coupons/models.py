"""Show coupons, their claims, and the watch time that unlocks them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt, utcnow


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
