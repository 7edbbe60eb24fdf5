from __future__ import annotations

from sqlalchemy import String, true
from sqlalchemy.orm import Mapped, mapped_column

from liveshop.db import Base


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
