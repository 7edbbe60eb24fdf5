from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


class Phase(StrEnum):
    """Where a market stands in its rollout."""

    closed = "closed"  # nobody sells, goes live or buys
    pilot = "pilot"  # only the allow-list (and buyers with an invitation)
    open = "open"  # everyone


class Feature(StrEnum):
    """What an operator can switch on or off per market, whatever the phase."""

    live = "live"  # live shopping: going live, flash deals
    shop_tab = "shop_tab"  # the Shop tab: browsing and buying outside a show
    auctions = "auctions"
    giveaways = "giveaways"
    affiliates = "affiliates"  # affiliate collaborations: shops allowing creators to sell


class Market(Base):
    """A country the platform sells in; prices are stored per market in its currency."""

    __tablename__ = "markets"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    currency: Mapped[str] = mapped_column(String(3))
    locale: Mapped[str] = mapped_column(String(10))
    timezone: Mapped[str] = mapped_column(String(40))
    tax_name: Mapped[str] = mapped_column(String(20))
    tax_rate_bp: Mapped[int]
    prices_include_tax: Mapped[bool]
    return_window_days: Mapped[int]
    enabled: Mapped[bool] = mapped_column(default=True)
    # Whether a shop must be verified by an operator before it can go live or sell here.
    requires_verified_shops: Mapped[bool] = mapped_column(default=True, server_default=true())
    # The rollout (markets/rollout/): a phase, and the features switched off (absent = on).
    phase: Mapped[str] = mapped_column(String(10), default=Phase.open.value, server_default="open")
    switches_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    language: Mapped[str] = mapped_column(String(10), default="en", server_default="en")
    # Every zone the market spans; `timezone` is its own (the first).
    timezones: Mapped[list[str]] = mapped_column(JSON, default=list)
    # How long an affiliate link click can still win an order (the live room: the session).
    link_window_days: Mapped[int] = mapped_column(default=7, server_default="7")

    def is_on(self, feature: str) -> bool:
        return feature not in self.switches_off


class AllowKind(StrEnum):
    shop = "shop"
    creator = "creator"
    buyer = "buyer"


class MarketAllowed(Base):
    """A shop, creator or buyer admitted to a market while it is in pilot."""

    __tablename__ = "market_allowed"
    __table_args__ = (UniqueConstraint("market_code", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int]
    # The invitation a buyer joined with, if any.
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("market_invitations.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MarketInvitation(Base):
    """A code that lets buyers join a market in pilot, up to `max_uses` of them."""

    __tablename__ = "market_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    max_uses: Mapped[int]
    uses: Mapped[int] = mapped_column(default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChangeStatus(StrEnum):
    pending = "pending"
    applied = "applied"
    cancelled = "cancelled"
    failed = "failed"


class ScheduledChange(Base):
    """A phase change or a switch, due at `due_at` (UTC; entered in one of the market's zones)."""

    __tablename__ = "market_scheduled_changes"
    __table_args__ = (Index("ix_market_scheduled_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"), index=True)
    # "phase" (value: a Phase) or a Feature name (value: "on" / "off").
    target: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(10))
    due_at: Mapped[datetime]
    zone: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default=ChangeStatus.pending.value)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    applied_at: Mapped[datetime | None]


class MarketAudit(Base):
    """Who changed what in a market's rollout, when and why. Never edited, never deleted."""

    __tablename__ = "market_audit"
    __table_args__ = (Index("ix_market_audit_market", "market_code", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    market_code: Mapped[str] = mapped_column(ForeignKey("markets.code"))
    # None when the scheduler applied a change (`data.scheduled_by` says who scheduled it).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
