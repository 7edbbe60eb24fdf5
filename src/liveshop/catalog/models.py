from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveshop.db import Base, BigInt, utcnow


class Verification(StrEnum):
    pending = "pending"
    verified = "verified"
    rejected = "rejected"


class ProductStatus(StrEnum):
    draft = "draft"
    active = "active"
    archived = "archived"


class Shop(Base):
    __tablename__ = "shops"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(String(2000), default="")
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    verification: Mapped[str] = mapped_column(String(10), default=Verification.pending.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ShopMember(Base):
    """Who sells for a shop: its owner and staff."""

    __tablename__ = "shop_members"
    __table_args__ = (UniqueConstraint("shop_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(10), default="owner")


class Product(Base):
    __tablename__ = "products"
    __table_args__ = (
        Index("ix_products_shop_status", "shop_id", "status"),
        UniqueConstraint("shop_id", "handle"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(5000), default="")
    status: Mapped[str] = mapped_column(String(10), default=ProductStatus.draft.value)
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    images: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Units one buyer may have across their unpaid and paid orders; None means no limit.
    max_per_buyer: Mapped[int | None]
    # What a Shopify catalog carries (integrations/shopify); `handle` is the re-import key and
    # `image_alts` runs parallel to `images`, which are kept in position order.
    handle: Mapped[str | None] = mapped_column(String(255))
    vendor: Mapped[str] = mapped_column(String(255), default="", server_default="")
    product_type: Mapped[str] = mapped_column(String(255), default="", server_default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    image_alts: Mapped[list[str]] = mapped_column(JSON, default=list)
    gift_card: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    variants: Mapped[list[Variant]] = relationship(
        back_populates="product", order_by="Variant.id", cascade="all, delete-orphan"
    )


class Variant(Base):
    """A buyable SKU. `held` counts units reserved by unpaid holds; tracked stock is never
    oversold, and an untracked variant (`track_stock` false) is never sold out by stock."""

    __tablename__ = "variants"
    __table_args__ = (
        UniqueConstraint("shop_id", "sku"),
        CheckConstraint("stock >= 0", name="stock_nonnegative"),
        CheckConstraint(
            "held >= 0 AND (held <= stock OR NOT track_stock)", name="held_within_stock"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Indexed (migration 0103_discovery): loading a product's variants scanned them all.
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), index=True
    )
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(64))
    option_values: Mapped[list[str]] = mapped_column(JSON, default=list)
    weight_grams: Mapped[int] = mapped_column(default=0)
    stock: Mapped[int] = mapped_column(default=0)
    held: Mapped[int] = mapped_column(default=0)
    # From Shopify: an untracked variant's stock is not counted; `continue_selling` is the
    # "continue selling when out of stock" policy.
    barcode: Mapped[str] = mapped_column(String(64), default="", server_default="")
    track_stock: Mapped[bool] = mapped_column(default=True, server_default=true())
    continue_selling: Mapped[bool] = mapped_column(default=False, server_default=false())
    image_url: Mapped[str | None] = mapped_column(String(500))

    product: Mapped[Product] = relationship(back_populates="variants")
    prices: Mapped[list[VariantPrice]] = relationship(
        back_populates="variant", order_by="VariantPrice.market_code", cascade="all, delete-orphan"
    )

    @property
    def available(self) -> int:
        """Units free to sell; for an untracked variant, the (uncounted) shelf figure."""
        return self.stock - self.held if self.track_stock else max(self.stock - self.held, 0)

    @property
    def sellable(self) -> bool:
        """Not sold out by stock: untracked, or at least one unit free."""
        return not self.track_stock or self.stock > self.held


class VariantPrice(Base):
    __tablename__ = "variant_prices"
    __table_args__ = (
        UniqueConstraint("variant_id", "market_code"),
        CheckConstraint("amount >= 0", name="amount_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    currency: Mapped[str] = mapped_column(String(3))
    amount: Mapped[int] = mapped_column(BigInt)
    compare_at: Mapped[int | None] = mapped_column(BigInt)

    variant: Mapped[Variant] = relationship(back_populates="prices")
