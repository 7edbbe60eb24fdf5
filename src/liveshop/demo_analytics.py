"""Demo history for analytics: eight weeks of past shows, audiences, orders and support
contacts per demo market, so the reports, heatmaps and the planner have shape at once.

Written straight into the rollups (a few thousand rows per market, bulk inserts) rather than
as millions of raw events: raw events are kept only for the retention time anyway, and the
demo must start in seconds. Audiences follow each market's evening peak in its own time zone
(through the clock changes), with a bump while a show is on.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from liveshop.accounts.models import User
from liveshop.analytics.models import (
    MarketHour,
    ShowInfo,
    ShowMark,
    ShowMinute,
    ShowSales,
    ShowViewer,
)
from liveshop.catalog.models import Shop
from liveshop.db import utcnow
from liveshop.live.shows.models import Show, ShowStatus
from liveshop.markets.models import Market
from liveshop.uow import UnitOfWork

# (creator email, shop id, market, weekly show slots as (weekday, local hour), audience size,
# average order value in minor units)
CREATORS = [
    ("maya@demo.liveshop", 1, "UK", [(1, 19), (3, 20), (6, 18)], 220, 3200),
    ("jonas@demo.liveshop", 2, "DE", [(2, 19), (5, 11)], 140, 3900),
    ("tasha@demo.liveshop", 3, "US", [(0, 20), (3, 21), (5, 19)], 300, 2600),
]
TITLES = ["Weekly drop", "New in", "Flash-deal hour", "Ask me anything", "Weekend picks"]
SHOW_MINUTES = 60


def _evening(hour: int, weekday: int) -> float:
    """Share of the day's peak audience at a local hour: low at night, a lunch bump, an
    evening peak around 20:00, a little more at weekends."""
    night = 0.04
    lunch = 0.25 * math.exp(-((hour - 12.5) ** 2) / 3)
    evening = math.exp(-((hour - 20) ** 2) / 5)
    return (night + lunch + evening) * (1.25 if weekday >= 5 else 1.0)


def _show_curve(minute: int) -> float:
    """A show's audience: builds over ten minutes, holds, drifts off at the end."""
    return min(1.0, (minute + 1) / 10) * (1.0 if minute < 45 else 1 - (minute - 45) / 30)


Creator = tuple[str, int, str, list[tuple[int, int]], int, int]


async def add_history(
    uow: UnitOfWork, *, weeks: int = 8, seed: int = 13, creators: list[Creator] | None = None
) -> int:
    """Past shows and rollups for `weeks` weeks up to now; returns the shows added."""
    s = uow.session
    rng = random.Random(seed)
    now = utcnow().replace(minute=0, second=0, microsecond=0)
    start = now - timedelta(weeks=weeks)
    markets = {m.code: m for m in (await s.execute(select(Market))).scalars()}
    hours: dict[tuple[str, datetime], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    minutes: list[dict[str, Any]] = []
    sales: list[dict[str, Any]] = []
    viewers: list[dict[str, Any]] = []
    infos: list[dict[str, Any]] = []
    added = 0
    marks: list[dict[str, Any]] = []
    for email, shop_id, code, slots, size, aov in creators or CREATORS:
        host = (await s.execute(select(User).where(User.email == email))).scalar_one_or_none()
        shop = await s.get(Shop, shop_id)
        if host is None or shop is None:
            continue
        market = markets[code]
        tz = ZoneInfo(market.timezone)
        # The market's background: people browsing replays and shops, hour by hour.
        at = start
        while at < now:
            local = at.astimezone(tz)
            share = _evening(local.hour, local.weekday())
            h = hours[(code, at)]
            watchers = size * 0.3 * share * rng.uniform(0.8, 1.2)
            h["watch_seconds"] += int(watchers * 3600)
            h["views"] += int(watchers * 2.5)
            h["impressions"] += int(watchers * 6)
            h["clicks"] += int(watchers * 0.6)
            h["carts"] += int(watchers * 0.2)
            h["checkouts"] += int(watchers * 0.12)
            orders = int(watchers * 0.08 + rng.random())
            h["orders"] += orders
            h["gmv"] += orders * int(aov * rng.uniform(0.7, 1.3))
            h["chats"] += int(watchers * 3)
            h["likes"] += int(watchers * 5)
            # Support follows orders and evenings, and people write in after work.
            h["support_contacts"] += int(size * 0.06 * share * 4 + rng.random())
            h["moderation_actions"] += int(watchers * 0.02 + rng.random() * 0.5)
            at += timedelta(hours=1)
        # Past shows in the creator's weekly slots.
        day: date = start.astimezone(tz).date()
        while day <= now.astimezone(tz).date():
            for weekday, hour in slots:
                if day.weekday() != weekday:
                    continue
                begin = datetime.combine(day, time(hour), tz).astimezone(UTC)
                end = begin + timedelta(minutes=SHOW_MINUTES)
                if begin < start or end > now:
                    continue
                show = Show(
                    host_id=host.id,
                    shop_id=shop.id,
                    title=f"{rng.choice(TITLES)} with {host.display_name}",
                    starts_at=begin,
                    markets=[code],
                    status=ShowStatus.ended.value,
                    went_live_at=begin,
                    ended_at=end,
                )
                s.add(show)
                await s.flush()
                added += 1
                infos.append(
                    {
                        "show_id": show.id,
                        "creator_id": host.id,
                        "shop_id": shop.id,
                        "market": code,
                        "title": show.title,
                    }
                )
                audience = size * rng.uniform(0.6, 1.4) * (0.5 + _evening(hour, weekday))
                peak = unique = 0
                for m in range(SHOW_MINUTES):
                    minute = begin + timedelta(minutes=m)
                    concurrent = max(0, int(audience * _show_curve(m) * rng.uniform(0.9, 1.1)))
                    peak = max(peak, concurrent)
                    joins = max(0, int(concurrent * 0.12 + rng.random() * 3))
                    unique += joins
                    clicks = int(concurrent * 0.05 * rng.uniform(0.5, 1.5))
                    orders = int(clicks * 0.3 * rng.uniform(0.5, 1.5))
                    row: dict[str, int] = {
                        "views": joins,
                        "watch_seconds": concurrent * 60,
                        "viewers_peak": concurrent,
                        "viewers_sum": concurrent * 60,
                        "viewer_samples": 60,
                        "likes": int(concurrent * rng.uniform(0.5, 2)),
                        "chats": int(concurrent * rng.uniform(0.1, 0.4)),
                        "impressions": int(concurrent * 0.6),
                        "clicks": clicks,
                        "carts": int(clicks * 0.5),
                        "checkouts": int(clicks * 0.35),
                        "follows": int(rng.random() * concurrent * 0.02),
                        "shares": int(rng.random() * concurrent * 0.01),
                    }
                    minutes.append({"show_id": show.id, "minute": minute, **row})
                    gmv = sum(int(aov * rng.uniform(0.6, 1.5)) for _ in range(orders))
                    if orders:
                        sales.append(
                            {
                                "show_id": show.id,
                                "minute": minute,
                                "currency": market.currency,
                                "orders": orders,
                                "units": orders + int(orders * 0.3),
                                "gmv": gmv,
                                "refunds": 0,
                                "refunded": 0,
                            }
                        )
                    h = hours[(code, minute.replace(minute=0))]
                    for key in ("views", "watch_seconds", "likes", "chats", "impressions"):
                        h[key] += row[key]
                    for key in ("clicks", "carts", "checkouts"):
                        h[key] += row[key]
                    h["orders"] += orders
                    h["gmv"] += gmv
                    h["support_contacts"] += int(orders * 0.1 + rng.random() * 0.3)
                for kind, offset in (("pin", 4), ("deal", 22), ("pin", 38)):
                    marks.append(
                        {
                            "id": f"demo-{kind}-{show.id}-{offset}",
                            "show_id": show.id,
                            "at": begin + timedelta(minutes=offset),
                            "kind": kind,
                            "product_id": None,
                        }
                    )
                viewers.extend({"show_id": show.id, "viewer": f"demo{n}"} for n in range(unique))
                show.peak_viewers, show.unique_viewers = peak, unique
            day += timedelta(days=1)
    if infos:
        await s.execute(insert(ShowInfo), infos)
    if minutes:
        await s.execute(insert(ShowMinute), minutes)
    if sales:
        await s.execute(insert(ShowSales), sales)
    if viewers:
        await s.execute(insert(ShowViewer), viewers)
    if marks:
        await s.execute(insert(ShowMark), marks)
    if hours:
        columns = [c.name for c in MarketHour.__table__.columns]
        await s.execute(
            insert(MarketHour),
            [
                dict.fromkeys(columns, 0) | {"market": code, "hour": hour} | dict(sums)
                for (code, hour), sums in sorted(hours.items())
            ],
        )
    return added
