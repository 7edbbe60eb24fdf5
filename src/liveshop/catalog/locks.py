"""Stock reservation: the only code that moves `variants.held` and `variants.stock`.

Each change is one conditional UPDATE, so two buyers can never both take the last unit,
whatever the database or the number of processes. An untracked variant (`track_stock` false:
a Shopify gift card with no inventory tracker) is never sold out by stock: its holds are still
recorded in `held`, but its shelf count neither limits them nor goes down when they are paid.
Callers that touch several variants do so in ascending id order to avoid deadlocks on PostgreSQL.
"""

from __future__ import annotations

from sqlalchemy import case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.catalog.models import Variant


def _rowcount(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


async def reserve(session: AsyncSession, *, variant_id: int, quantity: int) -> bool:
    """Hold `quantity` units if that many are free; False when they are not."""
    result = await session.execute(
        update(Variant)
        .where(
            Variant.id == variant_id,
            or_(Variant.track_stock.is_(False), Variant.stock - Variant.held >= quantity),
        )
        .values(held=Variant.held + quantity)
        .execution_options(synchronize_session=False)
    )
    return _rowcount(result) == 1


async def release(session: AsyncSession, *, variant_id: int, quantity: int) -> None:
    """Give held units back (an expired or cancelled hold)."""
    await session.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.held >= quantity)
        .values(held=Variant.held - quantity)
        .execution_options(synchronize_session=False)
    )


async def commit_sale(session: AsyncSession, *, variant_id: int, quantity: int) -> None:
    """A paid hold: the units leave `held`, and `stock` too where stock is tracked."""
    await session.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.held >= quantity)
        .values(
            held=Variant.held - quantity,
            stock=case((Variant.track_stock, Variant.stock - quantity), else_=Variant.stock),
        )
        .execution_options(synchronize_session=False)
    )


async def restock(session: AsyncSession, *, variant_id: int, quantity: int) -> None:
    """Returned units go back on the shelf (an untracked shelf is not counted)."""
    await session.execute(
        update(Variant)
        .where(Variant.id == variant_id, Variant.track_stock.is_(True))
        .values(stock=Variant.stock + quantity)
        .execution_options(synchronize_session=False)
    )


async def set_stock(session: AsyncSession, *, variant_id: int, stock: int) -> int:
    """Set the shelf count, never below what open holds keep where stock is tracked; the
    count that was stored."""
    await session.execute(
        update(Variant)
        .where(Variant.id == variant_id)
        .values(
            stock=case(
                (Variant.track_stock.is_(True) & (Variant.held > stock), Variant.held),
                else_=stock,
            )
        )
        .execution_options(synchronize_session=False)
    )
    stored = await session.execute(select(Variant.stock).where(Variant.id == variant_id))
    return int(stored.scalar_one())
