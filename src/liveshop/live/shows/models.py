"""Shows, their products, RSVPs and co-hosts (what creators may sell: affiliates/)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


class ShowStatus(StrEnum):
    scheduled = "scheduled"
    live = "live"
    ended = "ended"
    cancelled = "cancelled"


class Show(Base):
    __tablename__ = "shows"
    __table_args__ = (Index("ix_shows_status_starts", "status", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    host_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    shop_id: Mapped[int | None] = mapped_column(ForeignKey("shops.id"))
    title: Mapped[str] = mapped_column(String(200))
    cover_url: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime]
    markets: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(10), default=ShowStatus.scheduled.value)
    # The key itself is never stored (live/stream_keys.py): its hash, and the salt it derives
    # from; both empty until the host first asks for the key.
    stream_key_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    stream_key_salt: Mapped[str | None] = mapped_column(String(32))
    went_live_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    pinned_message: Mapped[str | None] = mapped_column(String(300))
    slow_mode_seconds: Mapped[int] = mapped_column(default=0)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    replay_path: Mapped[str | None] = mapped_column(String(500))
    peak_viewers: Mapped[int] = mapped_column(default=0)
    unique_viewers: Mapped[int] = mapped_column(default=0)
    likes: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShowProduct(Base):
    __tablename__ = "show_products"
    __table_args__ = (UniqueConstraint("show_id", "product_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    position: Mapped[int] = mapped_column(default=0)


class ShowRsvp(Base):
    __tablename__ = "show_rsvps"
    __table_args__ = (UniqueConstraint("show_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShowCohost(Base):
    """A creator invited onto a show; the original host keeps the orders."""

    __tablename__ = "show_cohosts"
    __table_args__ = (UniqueConstraint("show_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    show_id: Mapped[int] = mapped_column(ForeignKey("shows.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10), default="invited")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
