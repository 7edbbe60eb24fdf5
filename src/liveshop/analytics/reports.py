"""Reports, in the market's time zone and currency, read from the rollups only."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.analytics import rollup
from liveshop.analytics.models import (
    MarketHour,
    ShowInfo,
    ShowMark,
    ShowMinute,
    ShowSales,
    ShowViewer,
)
from liveshop.analytics.schemas import (
    DayPoint,
    Figures,
    FunnelStep,
    Heatmap,
    Mark,
    RangeReport,
    ShowReport,
    TimelinePoint,
)
from liveshop.db import utcnow
from liveshop.errors import Problem
from liveshop.markets.models import Market
from liveshop.markets.money import MoneyPublic

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
MAX_RANGE_DAYS = 366


async def market_of(session: AsyncSession, code: str) -> Market:
    found = await session.get(Market, code)
    if found is None:
        raise Problem(404, "market_not_found", "No market {code}.", values={"code": code})
    return found


def _ratio(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def funnel(views: int, clicks: int, carts: int, checkouts: int, orders: int) -> list[FunnelStep]:
    steps = [
        ("views", views),
        ("product_clicks", clicks),
        ("carts", carts),
        ("checkouts", checkouts),
        ("orders", orders),
    ]
    out, prev = [], None
    for name, n in steps:
        out.append(FunnelStep(step=name, count=n, rate=None if prev is None else _ratio(n, prev)))
        prev = n
    return out


async def get_show_info(session: AsyncSession, show_id: int) -> ShowInfo | None:
    facts = await rollup.show_facts(session, [show_id])
    if show_id not in facts:
        return None
    return await session.get(ShowInfo, show_id)


async def show_report(session: AsyncSession, *, show: ShowInfo) -> ShowReport:
    """A show's figures now: the studio polls this while live, and it is the final report."""
    market = await market_of(session, show.market)
    tz = ZoneInfo(market.timezone)
    minutes = (
        (
            await session.execute(
                select(ShowMinute)
                .where(ShowMinute.show_id == show.show_id)
                .order_by(ShowMinute.minute)
            )
        )
        .scalars()
        .all()
    )
    sales = (
        (await session.execute(select(ShowSales).where(ShowSales.show_id == show.show_id)))
        .scalars()
        .all()
    )
    unique = (
        await session.execute(
            select(func.count()).select_from(ShowViewer).where(ShowViewer.show_id == show.show_id)
        )
    ).scalar_one()
    marks = (
        (
            await session.execute(
                select(ShowMark).where(ShowMark.show_id == show.show_id).order_by(ShowMark.at)
            )
        )
        .scalars()
        .all()
    )

    def total(attr: str) -> int:
        return sum(getattr(m, attr) for m in minutes)

    cur = market.currency
    gmv_by: dict[str, int] = defaultdict(int)
    gmv_minute: dict[datetime, int] = defaultdict(int)
    orders = units = refunds = refunded = 0
    for s in sales:
        gmv_by[s.currency] += s.gmv
        if s.currency == cur:
            gmv_minute[s.minute] += s.gmv
            refunded += s.refunded
        orders += s.orders
        units += s.units
        refunds += s.refunds
    views, clicks = total("views"), total("clicks")
    watch = total("watch_seconds")
    samples = total("viewer_samples")
    gmv = gmv_by.get(cur, 0)
    timeline_minutes = sorted({m.minute for m in minutes} | set(gmv_minute))
    by_minute = {m.minute: m for m in minutes}
    timeline = []
    for at in timeline_minutes:
        row = by_minute.get(at)
        timeline.append(
            TimelinePoint(
                at=at,
                local=at.astimezone(tz).strftime("%H:%M"),
                viewers=row.viewers_peak if row else 0,
                watching=round(row.viewers_sum / row.viewer_samples, 2)
                if row and row.viewer_samples
                else 0.0,
                gmv=gmv_minute.get(at, 0),
            )
        )

    def money(amount: int, currency: str = cur) -> MoneyPublic:
        return MoneyPublic.of(amount, currency, market.locale)

    return ShowReport(
        show_id=show.show_id,
        title=show.title,
        market=market.code,
        currency=cur,
        timezone=market.timezone,
        peak_viewers=max((m.viewers_peak for m in minutes), default=0),
        avg_viewers=round(total("viewers_sum") / samples, 2) if samples else 0.0,
        unique_viewers=unique,
        views=views,
        watch_seconds=watch,
        avg_watch_seconds=round(watch / unique, 1) if unique else 0.0,
        likes=total("likes"),
        chats=total("chats"),
        impressions=total("impressions"),
        clicks=clicks,
        ctr=_ratio(clicks, total("impressions")),
        click_to_order=_ratio(orders, clicks),
        orders=orders,
        units=units,
        gmv=money(gmv),
        gmv_other=[money(v, c) for c, v in sorted(gmv_by.items()) if c != cur],
        gmv_per_1000_views=money(gmv * 1000 // views) if views else None,
        refunds=refunds,
        refunded=money(refunded),
        new_followers=total("follows"),
        shares=total("shares"),
        funnel=funnel(views, clicks, total("carts"), total("checkouts"), orders),
        timeline=timeline,
        marks=[
            Mark(
                at=m.at,
                local=m.at.astimezone(tz).strftime("%H:%M:%S"),
                kind=m.kind,
                product_id=m.product_id,
            )
            for m in marks
        ],
        at=utcnow(),
    )


def local_bounds(start: date, end: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[start 00:00, end+1 00:00) local, in UTC."""
    lo = datetime.combine(start, time(), tz).astimezone(UTC)
    hi = datetime.combine(end + timedelta(days=1), time(), tz).astimezone(UTC)
    return lo, hi


def check_range(start: date, end: date) -> None:
    if end < start:
        raise Problem(422, "bad_range", "The end date is before the start date.")
    if (end - start).days >= MAX_RANGE_DAYS:
        raise Problem(
            422,
            "range_too_long",
            "Ask for at most {MAX_RANGE_DAYS} days at a time.",
            values={"MAX_RANGE_DAYS": MAX_RANGE_DAYS},
        )


_SHOW_SUMS = ("views", "watch_seconds", "likes", "chats", "impressions", "clicks", "carts")


async def _show_scope(
    session: AsyncSession, where: Any, lo: datetime, hi: datetime, currency: str, tz: ZoneInfo
) -> tuple[Figures, dict[date, list[int]], list[int]]:
    m = ShowMinute
    stmt = (
        select(
            m.minute,
            m.show_id,
            m.views,
            m.watch_seconds,
            m.likes,
            m.chats,
            m.impressions,
            m.clicks,
            m.carts,
            m.checkouts,
        )
        .join(ShowInfo, ShowInfo.show_id == m.show_id)
        .where(where, m.minute >= lo, m.minute < hi)
    )
    sums: dict[str, int] = defaultdict(int)
    shows: set[int] = set()
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in (await session.execute(stmt)).all():
        shows.add(row.show_id)
        for name in (*_SHOW_SUMS, "checkouts"):
            sums[name] += getattr(row, name)
        days[row.minute.astimezone(tz).date()][0] += row.views
    s = ShowSales
    sales = (
        select(s.minute, s.currency, s.orders, s.gmv)
        .join(ShowInfo, ShowInfo.show_id == s.show_id)
        .where(where, s.minute >= lo, s.minute < hi)
    )
    for sale in (await session.execute(sales)).all():
        sums["orders"] += sale.orders
        if sale.currency == currency:
            sums["gmv"] += sale.gmv
            days[sale.minute.astimezone(tz).date()][2] += sale.gmv
        days[sale.minute.astimezone(tz).date()][1] += sale.orders
    return _figures(sums, currency, len(shows), None), days, _funnel_counts(sums)


def _funnel_counts(sums: dict[str, int]) -> list[int]:
    return [sums["views"], sums["clicks"], sums["carts"], sums["checkouts"], sums["orders"]]


def _figures(
    sums: dict[str, int], currency: str, shows: int | None, support: int | None
) -> Figures:
    return Figures(
        shows=shows,
        views=sums["views"],
        watch_hours=round(sums["watch_seconds"] / 3600, 2),
        likes=sums["likes"],
        chats=sums["chats"],
        impressions=sums["impressions"],
        clicks=sums["clicks"],
        carts=sums["carts"],
        checkouts=sums["checkouts"],
        orders=sums["orders"],
        gmv=MoneyPublic.of(sums["gmv"], currency, "en"),
        ctr=_ratio(sums["clicks"], sums["impressions"]),
        click_to_order=_ratio(sums["orders"], sums["clicks"]),
        support_contacts=support,
    )


async def _market_scope(
    session: AsyncSession, code: str, lo: datetime, hi: datetime, currency: str, tz: ZoneInfo
) -> tuple[Figures, dict[date, list[int]], list[int]]:
    h = MarketHour
    rows = (
        (await session.execute(select(h).where(h.market == code, h.hour >= lo, h.hour < hi)))
        .scalars()
        .all()
    )
    sums: dict[str, int] = defaultdict(int)
    days: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0])
    for r in rows:
        for name in (*_SHOW_SUMS, "checkouts", "orders", "gmv", "support_contacts"):
            sums[name] += getattr(r, name)
        day = days[r.hour.astimezone(tz).date()]
        day[0] += r.views
        day[1] += r.orders
        day[2] += r.gmv
    figures = _figures(sums, currency, None, sums["support_contacts"])
    return figures, days, _funnel_counts(sums)


async def range_report(
    session: AsyncSession, *, scope: str, key: int | str, market: str, start: date, end: date
) -> RangeReport:
    """A creator's, a shop's or a market's figures over [start, end] (local dates), with the
    period of the same length just before it beside them."""
    check_range(start, end)
    mk = await market_of(session, market)
    tz = ZoneInfo(mk.timezone)
    length = (end - start).days + 1
    prev_start, prev_end = start - timedelta(days=length), start - timedelta(days=1)
    out: list[tuple[Figures, dict[date, list[int]], list[int]]] = []
    for a, b in ((start, end), (prev_start, prev_end)):
        lo, hi = local_bounds(a, b, tz)
        if scope == "market":
            out.append(await _market_scope(session, str(key), lo, hi, mk.currency, tz))
        else:
            column = ShowInfo.creator_id if scope == "creator" else ShowInfo.shop_id
            out.append(await _show_scope(session, column == key, lo, hi, mk.currency, tz))
    (cur, days, counts), (prev, _d, _c) = out
    for figures in (cur, prev):
        figures.gmv = MoneyPublic.of(figures.gmv.amount, mk.currency, mk.locale)
    return RangeReport(
        scope=scope,
        id=str(key),
        market=mk.code,
        currency=mk.currency,
        timezone=mk.timezone,
        start=start,
        end=end,
        previous_start=prev_start,
        previous_end=prev_end,
        current=cur,
        previous=prev,
        funnel=funnel(*counts),
        days=[
            DayPoint(day=d, views=v[0], orders=v[1], gmv=v[2])
            for d, v in sorted(days.items())
            if start <= d <= end
        ]
        or [DayPoint(day=start, views=0, orders=0, gmv=0)],
    )


def _grid() -> list[list[float]]:
    return [[0.0] * 24 for _ in range(7)]


async def heatmap(
    session: AsyncSession, *, market: str, weeks: int = 8, until: datetime | None = None
) -> Heatmap:
    """Hour-of-week averages over the last `weeks` weeks, in the market's local time.

    Each UTC hour is placed by its local weekday and hour, so a daylight-saving change moves
    it to the right cell: in the autumn the repeated local hour gets both UTC hours, and in
    the spring the skipped one gets none that week.
    """
    if not 1 <= weeks <= 52:
        raise Problem(422, "bad_weeks", "Ask for 1 to 52 weeks.")
    mk = await market_of(session, market)
    tz = ZoneInfo(mk.timezone)
    hi = (until or utcnow()).astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hi += timedelta(hours=1)
    lo = hi - timedelta(weeks=weeks)
    h = MarketHour
    stmt = select(h.hour, h.watch_seconds, h.orders, h.chats, h.support_contacts).where(
        h.market == market, h.hour >= lo, h.hour < hi
    )
    grids = [_grid() for _ in range(4)]
    for row in (await session.execute(stmt)).all():
        local = row.hour.astimezone(tz)
        d, hr = local.weekday(), local.hour
        grids[0][d][hr] += row.watch_seconds / 3600  # viewer-hours: the average audience
        grids[1][d][hr] += row.orders
        grids[2][d][hr] += row.chats
        grids[3][d][hr] += row.support_contacts
    scaled = [[[round(v / weeks, 2) for v in day] for day in g] for g in grids]
    return Heatmap(
        market=market,
        timezone=mk.timezone,
        weeks=weeks,
        since=lo,
        until=hi,
        days=DAYS,
        viewers=scaled[0],
        orders=scaled[1],
        chats=scaled[2],
        support_contacts=scaled[3],
    )


def csv_rows_of_heatmap(hm: Heatmap) -> Sequence[Sequence[object]]:
    rows: list[list[object]] = [["day", "hour", "viewers", "orders", "chats", "support_contacts"]]
    for d, day in enumerate(hm.days):
        for hr in range(24):
            rows.append(
                [
                    day,
                    f"{hr:02d}:00",
                    hm.viewers[d][hr],
                    hm.orders[d][hr],
                    hm.chats[d][hr],
                    hm.support_contacts[d][hr],
                ]
            )
    return rows
