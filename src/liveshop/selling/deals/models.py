"""Flash deals: a show's limited units at a deal price, and each buyer's share."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


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
