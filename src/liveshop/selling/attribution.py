"""Which creator an order line is credited to: the buyer's last touch within its window.

Touches are the affiliates domain's; the facts about a show are the live domain's, so the
rule is put together here, above both:
- a link click counts for its product within the market's window (default 7 days);
- a live-room visit counts for the session: the show is still live, was live at the visit,
  and the product is in its lineup;
- a replay view counts within the market's window, if the show was replaying at the view
  and the product is in its lineup.
The `show_id` a buyer names at checkout is a touch now, when that show is live or replaying
and sells what is bought (`shows.attribution`); any other `show_id` is ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.affiliates import service as affiliates
from liveshop.affiliates.models import Touch, TouchKind
from liveshop.catalog import service as catalog
from liveshop.db import utcnow
from liveshop.live.shows.models import Show, ShowProduct, ShowStatus
from liveshop.orders.models import Order, OrderLine


async def _in_lineup(session: AsyncSession, show_id: int, product_id: int) -> bool:
    stmt = select(ShowProduct.id).where(
        ShowProduct.show_id == show_id, ShowProduct.product_id == product_id
    )
    return (await session.execute(stmt)).first() is not None


async def _counts(
    session: AsyncSession, touch: Touch, product_id: int, now: datetime, window: Any
) -> bool:
    if touch.kind == TouchKind.link:
        return touch.product_id == product_id and now - touch.at <= window
    if touch.show_id is None or not await _in_lineup(session, touch.show_id, product_id):
        return False
    show = await session.get(Show, touch.show_id)
    if show is None or show.host_id != touch.creator_id:
        return False
    if touch.kind == TouchKind.live:  # the session: live then, and still live now
        return show.status == ShowStatus.live and (
            show.went_live_at is None or show.went_live_at <= touch.at
        )
    return (  # replay: replaying then, within the window
        show.ended_at is not None
        and show.replay_path is not None
        and show.ended_at <= touch.at
        and now - touch.at <= window
    )


async def attribute(
    *, session: AsyncSession, buyer: User, placed: list[Order], source: dict[str, Any]
) -> None:
    """Store on each line the winning touch, its creator and their rate (with why)."""
    if source.get("show_id") and source.get("host_id") != buyer.id:
        await affiliates.record_touch(
            session=session,
            buyer_id=buyer.id,
            creator_id=int(source["host_id"]),
            kind=TouchKind(source["channel"]),
            show_id=int(source["show_id"]),
        )
    now = utcnow()
    for order in placed:
        window = await affiliates.link_window(session=session, market_code=order.market_code)
        touches = await affiliates.recent_touches(
            session=session, buyer_id=buyer.id, since=now - window
        )
        if not touches:
            continue
        lines = (
            await session.execute(select(OrderLine).where(OrderLine.order_id == order.id))
        ).scalars()
        for line in lines:
            for touch in touches:  # the last first
                if await _counts(session, touch, line.product_id, now, window):
                    await _credit(session, order, line, touch)
                    break


async def credit_show(
    *, session: AsyncSession, buyer: User, order: Order, show_id: int, host_id: int
) -> None:
    """A purchase made in the room itself (a flash deal): the room is the last touch."""
    if host_id == buyer.id:
        return
    touch = await affiliates.record_touch(
        session=session,
        buyer_id=buyer.id,
        creator_id=host_id,
        kind=TouchKind.live,
        show_id=show_id,
    )
    lines = (
        await session.execute(select(OrderLine).where(OrderLine.order_id == order.id))
    ).scalars()
    for line in lines:
        await _credit(session, order, line, touch)


async def _credit(session: AsyncSession, order: Order, line: OrderLine, touch: Touch) -> None:
    line.attr_kind = touch.kind
    line.attr_touch_id = touch.id
    line.attr_show_id = touch.show_id
    line.attr_creator_id = touch.creator_id
    creator = await session.get(User, touch.creator_id)
    if creator is not None and await catalog.is_member(
        session=session, user=creator, shop_id=order.shop_id
    ):
        line.attr_rate_bp, line.attr_why = 0, "the shop's own seller: no commission"
        return
    rate = await affiliates.rate_for(
        session=session, creator_id=touch.creator_id, product_id=line.product_id
    )
    if rate is None:
        line.attr_rate_bp, line.attr_why = 0, "no active collaboration: no commission"
    else:
        line.attr_rate_bp, line.attr_why = rate.bp, rate.why[:300]
