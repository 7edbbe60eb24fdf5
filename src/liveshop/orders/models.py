from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from liveshop.db import Base, BigInt, utcnow


class OrderStatus(StrEnum):
    pending_payment = "pending_payment"
    paid = "paid"
    shipped = "shipped"
    delivered = "delivered"
    completed = "completed"
    cancelled = "cancelled"
    refunded = "refunded"
    partially_refunded = "partially_refunded"


class HoldStatus(StrEnum):
    active = "active"
    converted = "converted"
    released = "released"


class Cart(Base):
    __tablename__ = "carts"
    __table_args__ = (UniqueConstraint("buyer_id", "market_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[CartItem]] = relationship(
        back_populates="cart", order_by="CartItem.id", cascade="all, delete-orphan"
    )


class CartItem(Base):
    __tablename__ = "cart_items"
    __table_args__ = (UniqueConstraint("cart_id", "variant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    cart_id: Mapped[int] = mapped_column(ForeignKey("carts.id", ondelete="CASCADE"))
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id", ondelete="CASCADE"))
    quantity: Mapped[int]

    cart: Mapped[Cart] = relationship(back_populates="items")


class Order(Base):
    """One shop's part of a checkout; money columns are minor units of `currency`."""

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_buyer", "buyer_id", "id"),
        Index("ix_orders_shop", "shop_id", "id"),
        Index("ix_orders_status_expiry", "status", "hold_expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    shop_id: Mapped[int] = mapped_column(ForeignKey("shops.id"))
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), default=OrderStatus.pending_payment.value)
    subtotal_net: Mapped[int] = mapped_column(BigInt)
    tax_total: Mapped[int] = mapped_column(BigInt)
    shipping_total: Mapped[int] = mapped_column(BigInt, default=0)
    total: Mapped[int] = mapped_column(BigInt)
    refunded_total: Mapped[int] = mapped_column(BigInt, default=0)
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    carrier: Mapped[str | None] = mapped_column(String(60))
    tracking_number: Mapped[str | None] = mapped_column(String(80))
    source: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Promotions applied, in priority order: [{"kind": "flash_deal"|"campaign"|"coupon", ...}]
    discounts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    discount_total: Mapped[int] = mapped_column(BigInt, default=0)
    hold_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]

    lines: Mapped[list[OrderLine]] = relationship(
        back_populates="order", order_by="OrderLine.id", cascade="all, delete-orphan"
    )


class OrderLine(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    title: Mapped[str] = mapped_column(String(300))
    sku: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[int]
    unit_price: Mapped[int] = mapped_column(BigInt)
    tax_rate_bp: Mapped[int]
    net: Mapped[int] = mapped_column(BigInt)
    tax: Mapped[int] = mapped_column(BigInt)
    gross: Mapped[int] = mapped_column(BigInt)
    refunded_quantity: Mapped[int] = mapped_column(default=0)
    # Attribution (affiliates): the touch that won this line, its creator and their rate.
    attr_kind: Mapped[str | None] = mapped_column(String(10))  # live | replay | link
    attr_touch_id: Mapped[int | None]
    attr_show_id: Mapped[int | None]
    attr_creator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    attr_rate_bp: Mapped[int | None]
    attr_why: Mapped[str | None] = mapped_column(String(300))

    order: Mapped[Order] = relationship(back_populates="lines")


class Hold(Base):
    """Units of a variant reserved for an unpaid order until `expires_at`."""

    __tablename__ = "holds"
    __table_args__ = (
        Index("ix_holds_status_expires", "status", "expires_at"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    variant_id: Mapped[int] = mapped_column(ForeignKey("variants.id"))
    # A deal hold returns its unit to the deal, not to the variant, when it expires.
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("flash_deals.id"))
    quantity: Mapped[int]
    status: Mapped[str] = mapped_column(String(10), default=HoldStatus.active.value)
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class OrderEvent(Base):
    """The audit trail: one row per status change or notable action on an order."""

    __tablename__ = "order_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReturnRequest(Base):
    __tablename__ = "return_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(1000))
    lines: Mapped[list[dict[str, int]]] = mapped_column(JSON)
    amount: Mapped[int] = mapped_column(BigInt)
    status: Mapped[str] = mapped_column(String(10), default="requested")
    decision_note: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class SavedAddress(Base):
    """A buyer's address book entry; checkout offers the default one for the market."""

    __tablename__ = "saved_addresses"
    __table_args__ = (Index("ix_saved_addresses_user", "user_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    address: Mapped[dict[str, Any]] = mapped_column(JSON)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
