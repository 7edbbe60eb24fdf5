"""Prices a multi-brand campaign sets for its shows."""

from __future__ import annotations

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt


class CampaignPrice(Base):
    """A variant's price during a multi-brand event: below the regular price, above a deal."""

    __tablename__ = "campaign_prices"
    __table_args__ = (UniqueConstraint("event_id", "variant_id", "market_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("live_events.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    amount: Mapped[int] = mapped_column(BigInt)
