"""Collaborations, their rate history, creators' showcases and buyers' touches."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow

MIN_RATE_BP, MAX_RATE_BP = 100, 8000  # 1% .. 80%, as TikTok Shop allows
NO_DISCOUNT_BP = 10_000  # the default floor: the list price, no discount without approval
CUT_LOCK_DAYS = 30  # a cut reaches showcase holders this much later
CUT_REMINDER_DAYS = 2  # ... and they hear again this long before it applies


class Kind(StrEnum):
    open = "open"  # any creator, one rate
    targeted = "targeted"  # one named creator, their own rate


class Status(StrEnum):
    active = "active"  # an open offer, live
    invited = "invited"  # targeted, awaiting the creator
    accepted = "accepted"
    declined = "declined"
    revoked = "revoked"


LIVE = (Status.active.value, Status.accepted.value)


class TouchKind(StrEnum):
    live = "live"
    replay = "replay"
    link = "link"


class Collaboration(Base):
    """A shop's offer of one product to creators, at a commission rate and a price floor."""

    __tablename__ = "collaborations"
    __table_args__ = (Index("ix_collaborations_product", "product_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    creator_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(10))
    rate_bp: Mapped[int]  # the rate now, for new showcase holders; history in RateChange
    # The lowest deal or coupon price a creator may set, in basis points of the list price.
    floor_bp: Mapped[int] = mapped_column(default=NO_DISCOUNT_BP)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]  # accepted, declined or revoked


class RateChange(Base):
    """One rate a collaboration had from `changed_at` (the first row is the offer)."""

    __tablename__ = "collaboration_rates"

    id: Mapped[int] = mapped_column(primary_key=True)
    collaboration_id: Mapped[int] = mapped_column(
        ForeignKey("collaborations.id", ondelete="CASCADE"), index=True
    )
    rate_bp: Mapped[int]
    previous_bp: Mapped[int | None]
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it reaches creators who held the product in their showcase at the change: at once
    # for a raise, CUT_LOCK_DAYS later for a cut.
    holders_from: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reminded_at: Mapped[datetime | None]


class ShowcaseItem(Base):
    """A product a creator chose to sell; removing it gives up any rate lock."""

    __tablename__ = "showcase_items"
    __table_args__ = (UniqueConstraint("creator_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Touch(Base):
    """A buyer met a creator's selling: their live room, their replay or their link."""

    __tablename__ = "affiliate_touches"
    __table_args__ = (Index("ix_affiliate_touches_buyer_at", "buyer_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    creator_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    show_id: Mapped[int | None] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"))
    product_id: Mapped[int | None] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
