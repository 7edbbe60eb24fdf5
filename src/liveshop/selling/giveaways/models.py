"""Giveaways and their entries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


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
