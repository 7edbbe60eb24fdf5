"""What the show-metrics API gives, and the mapper from the service's figures."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from liveshop.analytics.live import service as metrics
from liveshop.markets.money import MoneyPublic


class ViewersPublic(BaseModel):
    now: int
    peak: int
    unique: int


class MarketSalesPublic(BaseModel):
    market: str
    currency: str
    orders: int
    paid_orders: int
    gmv: MoneyPublic


class CurrencySalesPublic(BaseModel):
    currency: str
    orders: int
    paid_orders: int
    gmv: MoneyPublic


class ShowMetricsPublic(BaseModel):
    show_id: int
    status: str
    viewers: ViewersPublic
    likes: int
    orders: int
    paid_orders: int
    gmv: list[CurrencySalesPublic]
    by_market: list[MarketSalesPublic]
    at: datetime


def metrics_public(m: metrics.ShowMetrics) -> ShowMetricsPublic:
    per_currency: dict[str, list[metrics.MarketSales]] = {}
    for s in m.sales:
        per_currency.setdefault(s.currency, []).append(s)
    gmv = []
    for currency, rows in sorted(per_currency.items()):
        total = sum(r.gmv for r in rows)
        gmv.append(
            CurrencySalesPublic(
                currency=currency,
                orders=sum(r.orders for r in rows),
                paid_orders=sum(r.paid_orders for r in rows),
                gmv=(
                    MoneyPublic.in_market(total, currency, rows[0].market)
                    if len(rows) == 1
                    else MoneyPublic.in_currency(total, currency)
                ),
            )
        )
    return ShowMetricsPublic(
        show_id=m.show_id,
        status=m.status,
        viewers=ViewersPublic(now=m.viewers, peak=m.peak_viewers, unique=m.unique_viewers),
        likes=m.likes,
        orders=sum(s.orders for s in m.sales),
        paid_orders=sum(s.paid_orders for s in m.sales),
        gmv=gmv,
        by_market=[
            MarketSalesPublic(
                market=s.market,
                currency=s.currency,
                orders=s.orders,
                paid_orders=s.paid_orders,
                gmv=MoneyPublic.in_market(s.gmv, s.currency, s.market),
            )
            for s in m.sales
        ],
        at=m.at,
    )
