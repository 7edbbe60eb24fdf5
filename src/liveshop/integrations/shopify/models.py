from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, BigInt, utcnow


class ShopifyLink(Base):
    """A Liveshop shop's Shopify store: where its webhooks come from, signed with this secret."""

    __tablename__ = "shopify_links"

    shop_id: Mapped[int] = mapped_column(
        ForeignKey("shops.id", ondelete="CASCADE"), primary_key=True
    )
    store_domain: Mapped[str] = mapped_column(String(255))
    # Shopify signs with this shared secret, so it is kept as given (it cannot be hashed).
    webhook_secret: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShopifyRef(Base):
    """A Shopify id (product, variant, inventory item) and the catalog row it became."""

    __tablename__ = "shopify_refs"
    __table_args__ = (UniqueConstraint("shop_id", "kind", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))  # product | variant | inventory_item
    external_id: Mapped[int] = mapped_column(BigInt)
    local_id: Mapped[int]


class ShopifyReceipt(Base):
    """A webhook delivery already handled: Shopify retries with the same X-Shopify-Webhook-Id."""

    __tablename__ = "shopify_receipts"
    __table_args__ = (
        UniqueConstraint("shop_id", "webhook_id"),
        Index("ix_shopify_receipts_received", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    webhook_id: Mapped[str] = mapped_column(String(100))
    topic: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShopifyImport(Base):
    """One import run and its report (the first errors kept; `error_count` counts them all)."""

    __tablename__ = "shopify_imports"
    __table_args__ = (Index("ix_shopify_imports_shop", "shop_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255), default="")
    dialect: Mapped[str] = mapped_column(String(30), default="")
    status: Mapped[str] = mapped_column(String(10), default="running")  # running | done | failed
    rows: Mapped[int] = mapped_column(default=0)
    # Progress while running: bytes of the file read so far, of `total_bytes` (0: unknown).
    bytes_read: Mapped[int] = mapped_column(BigInt, default=0, server_default="0")
    total_bytes: Mapped[int] = mapped_column(BigInt, default=0, server_default="0")
    products: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    error_count: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
