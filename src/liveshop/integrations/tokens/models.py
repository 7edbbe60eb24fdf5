"""Public API tokens: per shop or per creator, with scopes; only the secret's hash is kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base, utcnow


class ApiToken(Base):
    __tablename__ = "integration_tokens"
    __table_args__ = (Index("ix_integration_tokens_owner", "owner_kind", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_kind: Mapped[str] = mapped_column(String(8))  # "shop" or "creator"
    owner_id: Mapped[int]
    # Whose rights the token uses, within its scopes; losing them (leaving the shop) ends it.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(16))  # shown in lists to tell tokens apart
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
