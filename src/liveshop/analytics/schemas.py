"""What the analytics API answers (reports read only the rollups)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from liveshop.markets.money import MoneyPublic


class FunnelStep(BaseModel):
    step: str
    count: int
    rate: float | None  # of the previous step


class TimelinePoint(BaseModel):
    at: datetime
    local: str  # "HH:MM" in the market's time zone
    viewers: int  # peak concurrent in that minute
    watching: float  # average concurrent in that minute
    gmv: int  # minor units of the market's currency


class Mark(BaseModel):
    at: datetime
    local: str
    kind: str
    product_id: int | None


class ShowReport(BaseModel):
    show_id: int
    title: str
    market: str
    currency: str
    timezone: str
    peak_viewers: int
    avg_viewers: float
    unique_viewers: int
    views: int
    watch_seconds: int
    avg_watch_seconds: float
    likes: int
    chats: int
    impressions: int
    clicks: int
    ctr: float | None
    click_to_order: float | None
    orders: int
    units: int
    gmv: MoneyPublic
    gmv_other: list[MoneyPublic]  # sales in other markets' currencies
    gmv_per_1000_views: MoneyPublic | None
    refunds: int
    refunded: MoneyPublic
    new_followers: int
    shares: int
    funnel: list[FunnelStep]
    timeline: list[TimelinePoint]
    marks: list[Mark]
    at: datetime


class Figures(BaseModel):
    shows: int | None
    views: int
    watch_hours: float
    likes: int
    chats: int
    impressions: int
    clicks: int
    carts: int
    checkouts: int
    orders: int
    gmv: MoneyPublic
    ctr: float | None
    click_to_order: float | None
    support_contacts: int | None


class DayPoint(BaseModel):
    day: date
    views: int
    orders: int
    gmv: int


class RangeReport(BaseModel):
    scope: str  # creator, shop or market
    id: str
    market: str
    currency: str
    timezone: str
    start: date
    end: date  # inclusive
    previous_start: date
    previous_end: date
    current: Figures
    previous: Figures
    funnel: list[FunnelStep]
    days: list[DayPoint]


class Heatmap(BaseModel):
    market: str
    timezone: str
    weeks: int
    since: datetime
    until: datetime
    days: list[str]  # Monday first
    # Per metric, 7 rows (days) of 24 hours; averages per week.
    viewers: list[list[float]]
    orders: list[list[float]]
    chats: list[list[float]]
    support_contacts: list[list[float]]
