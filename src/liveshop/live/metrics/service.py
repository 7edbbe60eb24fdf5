"""A show's live figures for its studio: audience, likes, and the sales attributed to it.

Viewer and like counters come from the room store (room-wide, Redis when configured), never
lower than what the room last persisted on the show. Sales come from the orders themselves:
each order records the show it was bought from in `source["show_id"]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.live.room import moderation
from liveshop.live.room.store import RoomStore
from liveshop.live.shows.models import Show
from liveshop.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class MarketSales:
    market: str
    currency: str
    orders: int
    paid_orders: int
    gmv: int  # minor units of `currency`


@dataclass(frozen=True)
class ShowMetrics:
    show_id: int
    status: str
    viewers: int
    peak_viewers: int
    unique_viewers: int
    likes: int
    sales: list[MarketSales]
    at: datetime


async def sales_of(*, session: AsyncSession, show: Show) -> list[MarketSales]:
    """Orders placed from the show, per market: every status except cancelled.

    Pending orders count (a buyer holding stock while paying is a sale in progress; if the
    hold lapses the order is cancelled and drops out), and so do refunded ones (GMV is the
    gross value placed). Giveaway prizes are zero-price gifts, not sales, so they are left
    out. GMV is each order's `total`: what the buyer pays, after discounts, with tax.
    """
    channel = Order.source["channel"].as_string()
    stmt = (
        select(
            Order.market_code,
            Order.currency,
            func.count(Order.id),
            func.count(Order.paid_at),
            func.coalesce(func.sum(Order.total), 0),
        )
        .where(
            # No index serves this JSON lookup yet: an expression index on the attributed
            # show is the next step once order tables grow large.
            Order.source["show_id"].as_integer() == show.id,
            Order.status != OrderStatus.cancelled.value,
            or_(channel.is_(None), channel != "giveaway"),
        )
        .group_by(Order.market_code, Order.currency)
        .order_by(Order.market_code)
    )
    return [
        MarketSales(
            market=market, currency=currency, orders=int(n), paid_orders=int(paid), gmv=int(gmv)
        )
        for market, currency, n, paid, gmv in (await session.execute(stmt)).all()
    ]


async def get(*, session: AsyncSession, store: RoomStore, actor: User, show_id: int) -> ShowMetrics:
    """The show's figures now; only its host, accepted co-hosts and admins may read them."""
    show = await moderation.check_host(session=session, actor=actor, show_id=show_id)
    now, peak, unique = await store.totals(show.id)
    likes = await store.likes(show.id)
    return ShowMetrics(
        show_id=show.id,
        status=show.status,
        viewers=now,
        peak_viewers=max(peak, show.peak_viewers, now),
        unique_viewers=max(unique, show.unique_viewers),
        likes=max(likes, show.likes),
        sales=await sales_of(session=session, show=show),
        at=utcnow(),
    )
