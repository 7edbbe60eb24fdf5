"""Flash-deal room events, and the after-commit bookkeeping that goes with them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop import uow as unit_of_work
from liveshop.live.room.events import send_room_event
from liveshop.selling.deals import gate
from liveshop.selling.deals.models import FlashDeal
from liveshop.selling.deals.schemas import DealPublic


class DealScheduledEvent(BaseModel):
    type: Literal["deal_scheduled"] = "deal_scheduled"
    deal: DealPublic


class DealOpenedEvent(BaseModel):
    type: Literal["deal_opened"] = "deal_opened"
    deal: DealPublic


class DealStockEvent(BaseModel):
    """Units left to grab; sent as they change (the room coalesces bursts)."""

    type: Literal["deal_stock"] = "deal_stock"
    deal_id: int
    left: int


class DealSoldOutEvent(BaseModel):
    type: Literal["deal_sold_out"] = "deal_sold_out"
    deal_id: int


class DealEndedEvent(BaseModel):
    type: Literal["deal_ended"] = "deal_ended"
    deal_id: int
    sold: int


async def _deal(session: AsyncSession, deal_id: int) -> tuple[int, int, int]:
    row = (
        await session.execute(
            select(
                FlashDeal.show_id,
                FlashDeal.stock - FlashDeal.sold - FlashDeal.held,
                FlashDeal.stock,
            ).where(FlashDeal.id == deal_id)
        )
    ).one()
    return int(row[0]), int(row[1]), int(row[2])


async def stock_changed(session: AsyncSession, *, deal_id: int) -> None:
    """Tell the room how many units are left (and when none are)."""

    show_id, left, _ = await _deal(session, deal_id)
    units_left(session, show_id=show_id, deal_id=deal_id, left=left)


def units_left(session: AsyncSession, *, show_id: int, deal_id: int, left: int) -> None:
    """Tell the room, after commit, that `left` units of the deal are left."""
    uow = unit_of_work.of(session)
    send_room_event(uow, show_id, DealStockEvent(deal_id=deal_id, left=left))
    if left == 0:
        send_room_event(uow, show_id, DealSoldOutEvent(deal_id=deal_id))


async def unit_returned(session: AsyncSession, *, deal_id: int, quantity: int) -> None:
    """An expired hold gave units back to the deal: reopen the gate after commit."""
    uow = unit_of_work.of(session)

    async def _give_back() -> None:
        await gate.current().give_back(deal_id, quantity)

    uow.on_commit(_give_back)
    await stock_changed(session, deal_id=deal_id)
