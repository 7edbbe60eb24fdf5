"""A buyer's saved addresses: at most ten, one default per country, no duplicates.

Saving is naturally idempotent (the same address saved twice is one entry), so a client may
retry it without an Idempotency-Key.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.errors import Problem, not_found
from liveshop.orders.models import SavedAddress
from liveshop.orders.schemas import Address

MAX_ADDRESSES = 10


async def list_(*, session: AsyncSession, user: User) -> list[SavedAddress]:
    stmt = (
        select(SavedAddress)
        .where(SavedAddress.user_id == user.id)
        .order_by(SavedAddress.is_default.desc(), SavedAddress.id.desc())
    )
    return list((await session.execute(stmt)).scalars())


async def save(
    *, session: AsyncSession, user: User, address: Address, default: bool
) -> SavedAddress:
    data = address.model_dump(mode="json")
    entries = await list_(session=session, user=user)
    entry = next((e for e in entries if e.address == data), None)
    if entry is None:
        if len(entries) >= MAX_ADDRESSES:
            raise Problem(
                409,
                "address_book_full",
                "You can save {MAX_ADDRESSES} addresses; delete one first.",
                values={"MAX_ADDRESSES": MAX_ADDRESSES},
            )
        entry = SavedAddress(user_id=user.id, address=data)
        session.add(entry)
    same_country = [e for e in entries if e.address.get("country") == address.country]
    if default or not any(e.is_default for e in same_country):
        # One default per country: the one checkout fills in for that market.
        ids = [e.id for e in same_country if e is not entry]
        if ids:
            await session.execute(
                update(SavedAddress).where(SavedAddress.id.in_(ids)).values(is_default=False)
            )
        entry.is_default = True
    await session.flush()
    return entry


async def delete(*, session: AsyncSession, user: User, address_id: int) -> None:
    entry = await session.get(SavedAddress, address_id)
    if entry is None or entry.user_id != user.id:
        raise not_found("address", address_id)
    await session.delete(entry)
    await session.flush()
