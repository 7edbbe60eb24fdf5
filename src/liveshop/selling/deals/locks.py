"""Deal stock and per-buyer limits: the only code that moves `flash_deals.held/sold`.

Every change is a single conditional UPDATE, so the invariant `sold + held <= stock`
and the per-buyer limit hold under any concurrency, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.catalog import locks as variant_stock
from liveshop.orders.messages import DealHoldSettled
from liveshop.selling.deals import events as deal_events
from liveshop.selling.deals.models import DealBuyer, FlashDeal


async def hold_units(session: AsyncSession, *, deal_id: int, quantity: int) -> int | None:
    """Take `quantity` of the deal's free units: the units left after, None if too few were.

    This locks the deal's row (every buyer's hot spot) until the commit: call it last.
    Never once the deal has given its leftovers back to the variant (it ended meanwhile):
    those units are the variant's again.
    """
    result = await session.execute(
        update(FlashDeal)
        .where(
            FlashDeal.id == deal_id,
            FlashDeal.sold + FlashDeal.held + quantity <= FlashDeal.stock,
            FlashDeal.released.is_(False),
        )
        .values(held=FlashDeal.held + quantity)
        .returning(FlashDeal.stock - FlashDeal.sold - FlashDeal.held)
        .execution_options(synchronize_session=False)
    )
    left = result.scalar_one_or_none()
    return None if left is None else int(left)


async def count_buyer(
    session: AsyncSession, *, deal_id: int, buyer_id: int, quantity: int, limit: int
) -> bool:
    """Add to the buyer's units in this deal unless that passes the per-buyer limit."""
    if quantity > limit:
        return False
    # One statement, whether this is the buyer's first purchase or not, and whether or not a
    # concurrent first purchase created the row first (the upsert waits for it).
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    upsert = (
        insert(DealBuyer)
        .values(deal_id=deal_id, buyer_id=buyer_id, units=quantity)
        .on_conflict_do_update(
            index_elements=["deal_id", "buyer_id"],
            set_={"units": DealBuyer.units + quantity},
            where=DealBuyer.units + quantity <= limit,
        )
    )
    return (await session.execute(upsert.returning(DealBuyer.id))).first() is not None


async def sell_units(
    session: AsyncSession, *, deal_id: int, variant_id: int, quantity: int
) -> None:
    """A paid deal hold: the units leave the deal's `held` for `sold`, and the variant's stock."""
    await session.execute(
        update(FlashDeal)
        .where(FlashDeal.id == deal_id, FlashDeal.held >= quantity)
        .values(held=FlashDeal.held - quantity, sold=FlashDeal.sold + quantity)
        .execution_options(synchronize_session=False)
    )
    await variant_stock.commit_sale(session, variant_id=variant_id, quantity=quantity)


async def return_units(
    session: AsyncSession, *, deal_id: int, variant_id: int, buyer_id: int, quantity: int
) -> bool:
    """An expired or cancelled deal hold. Returns True when the unit went back into the deal.

    While the deal still runs the unit goes back to it (and to the buyer's allowance); once
    the deal has released its leftovers, the unit goes straight back to the variant.
    """
    await session.execute(
        update(FlashDeal)
        .where(FlashDeal.id == deal_id, FlashDeal.held >= quantity)
        .values(held=FlashDeal.held - quantity)
        .execution_options(synchronize_session=False)
    )
    await session.execute(
        update(DealBuyer)
        .where(
            DealBuyer.deal_id == deal_id,
            DealBuyer.buyer_id == buyer_id,
            DealBuyer.units >= quantity,
        )
        .values(units=DealBuyer.units - quantity)
        .execution_options(synchronize_session=False)
    )
    released = (
        await session.execute(select(FlashDeal.released).where(FlashDeal.id == deal_id))
    ).scalar_one()
    if released:
        await variant_stock.release(session, variant_id=variant_id, quantity=quantity)
        return False
    return True


async def release_leftovers(session: AsyncSession, *, deal_id: int) -> int:
    """When a deal ends, its unheld, unsold units go back to the variant (once)."""
    deal = (
        await session.execute(
            select(FlashDeal)
            .where(FlashDeal.id == deal_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one()
    if deal.released:
        return 0
    free = deal.stock - deal.sold - deal.held
    deal.released = True
    await session.flush()
    if free > 0:
        await variant_stock.release(session, variant_id=deal.variant_id, quantity=free)
    return free


async def on_deal_hold_settled(session: AsyncSession, message: DealHoldSettled) -> None:
    """An order sold or gave back units that a deal had reserved (wired in liveshop.wiring)."""
    if message.outcome == "converted":
        await sell_units(
            session,
            deal_id=message.deal_id,
            variant_id=message.variant_id,
            quantity=message.quantity,
        )
        return
    back_in_deal = await return_units(
        session,
        deal_id=message.deal_id,
        variant_id=message.variant_id,
        buyer_id=message.buyer_id,
        quantity=message.quantity,
    )
    if back_in_deal:
        await deal_events.unit_returned(session, deal_id=message.deal_id, quantity=message.quantity)
