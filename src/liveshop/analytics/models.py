"""Raw events (short-lived, partitioned by month on PostgreSQL) and the rollups reports read."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, Integer, Sequence, String
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt

EVENT_SEQ = Sequence("analytics_event_seq")


class AnalyticsEvent(Base):
    """One event as ingested. `(id, at)` is the key: a retried batch repeats both, so it is
    stored once (PostgreSQL wants the partition key in every unique index). `seq` orders the
    rollup job's reading; it is assigned at insert."""

    __tablename__ = "analytics_events"
    __table_args__ = (Index("ix_analytics_events_seq", "seq"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), EVENT_SEQ)
    kind: Mapped[str] = mapped_column(String(20))
    market: Mapped[str | None] = mapped_column(String(2))
    show_id: Mapped[int | None]
    shop_id: Mapped[int | None]
    product_id: Mapped[int | None]
    viewer: Mapped[str | None] = mapped_column(String(64))
    value: Mapped[int] = mapped_column(BigInt, default=0)  # seconds, money or a count
    qty: Mapped[int] = mapped_column(default=0)  # units of a purchase
    currency: Mapped[str | None] = mapped_column(String(3))


class RollupState(Base):
    """How far the rollup job has read the raw events (one row per rollup)."""

    __tablename__ = "analytics_rollup_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInt, default=0)


class ShowInfo(Base):
    """What analytics knows of a show (filled by the wiring from live): who, which shop, where."""

    __tablename__ = "analytics_shows"
    __table_args__ = (
        Index("ix_analytics_shows_creator", "creator_id"),
        Index("ix_analytics_shows_shop", "shop_id"),
    )

    show_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    creator_id: Mapped[int | None]
    shop_id: Mapped[int | None]
    market: Mapped[str] = mapped_column(String(2))
    title: Mapped[str] = mapped_column(String(200), default="")


class ShowMinute(Base):
    """Per show per minute (UTC). Counters add up; `viewers_peak` is a maximum."""

    __tablename__ = "analytics_show_minutes"

    show_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    views: Mapped[int] = mapped_column(BigInt, default=0)
    watch_seconds: Mapped[int] = mapped_column(BigInt, default=0)
    viewers_peak: Mapped[int] = mapped_column(BigInt, default=0)
    # The room samples its concurrent viewers every second or so: their sum and count give
    # the average concurrent audience.
    viewers_sum: Mapped[int] = mapped_column(BigInt, default=0)
    viewer_samples: Mapped[int] = mapped_column(BigInt, default=0)
    likes: Mapped[int] = mapped_column(BigInt, default=0)
    chats: Mapped[int] = mapped_column(BigInt, default=0)
    impressions: Mapped[int] = mapped_column(BigInt, default=0)
    clicks: Mapped[int] = mapped_column(BigInt, default=0)
    carts: Mapped[int] = mapped_column(BigInt, default=0)
    checkouts: Mapped[int] = mapped_column(BigInt, default=0)
    follows: Mapped[int] = mapped_column(BigInt, default=0)
    shares: Mapped[int] = mapped_column(BigInt, default=0)


class ShowSales(Base):
    """Per show per minute per currency: orders placed from the show and refunds of them."""

    __tablename__ = "analytics_show_sales"

    show_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    minute: Mapped[datetime] = mapped_column(primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    orders: Mapped[int] = mapped_column(BigInt, default=0)
    units: Mapped[int] = mapped_column(BigInt, default=0)
    gmv: Mapped[int] = mapped_column(BigInt, default=0)
    refunds: Mapped[int] = mapped_column(BigInt, default=0)
    refunded: Mapped[int] = mapped_column(BigInt, default=0)


class ShowViewer(Base):
    """Who watched a show (for unique viewers): one row per show and viewer key."""

    __tablename__ = "analytics_show_viewers"

    show_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    viewer: Mapped[str] = mapped_column(String(64), primary_key=True)


class ShowMark(Base):
    """A moment on a show's time line: a pin or a deal (`label` says which product)."""

    __tablename__ = "analytics_show_marks"
    __table_args__ = (Index("ix_analytics_show_marks_show", "show_id", "at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    show_id: Mapped[int]
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))
    product_id: Mapped[int | None]


class MarketHour(Base):
    """Per market per hour (UTC): the heatmaps' and the planner's load."""

    __tablename__ = "analytics_market_hours"

    market: Mapped[str] = mapped_column(String(2), primary_key=True)
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    views: Mapped[int] = mapped_column(BigInt, default=0)
    watch_seconds: Mapped[int] = mapped_column(BigInt, default=0)
    impressions: Mapped[int] = mapped_column(BigInt, default=0)
    clicks: Mapped[int] = mapped_column(BigInt, default=0)
    carts: Mapped[int] = mapped_column(BigInt, default=0)
    checkouts: Mapped[int] = mapped_column(BigInt, default=0)
    orders: Mapped[int] = mapped_column(BigInt, default=0)
    gmv: Mapped[int] = mapped_column(BigInt, default=0)  # minor units of the market's currency
    chats: Mapped[int] = mapped_column(BigInt, default=0)
    likes: Mapped[int] = mapped_column(BigInt, default=0)
    support_contacts: Mapped[int] = mapped_column(BigInt, default=0)
    moderation_actions: Mapped[int] = mapped_column(BigInt, default=0)
