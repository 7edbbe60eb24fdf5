"""A show's live figures for its studio: audience, likes, and the sales attributed to it.

Viewer and like counters come from the live domain (the room store, room-wide, Redis when
configured, never lower than what the room last persisted on the show), through the source
wiring installs (`use_live_source`): analytics does not import live. Sales come from the
orders themselves: each order records the show it was bought from in `source["show_id"]`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.orders.models import Order, OrderStatus


@dataclass(frozen=True)
class ShowLive:
    """What the live domain knows of a show right now (after checking who asks)."""

    show_id: int
    status: str
    viewers: int
    peak_viewers: int
    unique_viewers: int
    likes: int


# (session, the app's room hub, who asks, show id) -> the show's live side; raises the
# Problem (403/404) when the show is missing or the actor may not read its figures.
LiveSource = Callable[[AsyncSession, Any, User, int], Awaitable[ShowLive]]
_source: LiveSource | None = None


def use_live_source(source: LiveSource) -> None:
    global _source  # one process-wide plug, set at start-up
    _source = source


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


async def sales_of(*, session: AsyncSession, show_id: int) -> list[MarketSales]:
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
            Order.source["show_id"].as_integer() == show_id,
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


async def get(*, session: AsyncSession, rooms: Any, actor: User, show_id: int) -> ShowMetrics:
    """The show's figures now; only its host, accepted co-hosts and admins may read them."""
    assert _source is not None, "wiring installs the live source (use_live_source)"
    live = await _source(session, rooms, actor, show_id)
    return ShowMetrics(
        show_id=live.show_id,
        status=live.status,
        viewers=live.viewers,
        peak_viewers=live.peak_viewers,
        unique_viewers=live.unique_viewers,
        likes=live.likes,
        sales=await sales_of(session=session, show_id=live.show_id),
        at=utcnow(),
    )
