"""Demo shows; filled in once the live domain exists."""

from __future__ import annotations

from liveshop.uow import UnitOfWork


async def add_shows(uow: UnitOfWork) -> None:
    return None
