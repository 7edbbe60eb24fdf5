"""The "For you" feed: signals scored in SQL, merged, explained and diversified.

Each signal is one small indexed query that returns (item, score, reason). Scores sit in bands
so that the order of the signals is the order of the issue: followed creators' live shows, then
their upcoming shows and new products, then co-purchase and "viewers of this show also bought",
recently viewed, trending in the buyer's market (units sold, halving every `HALF_LIFE_DAYS`),
and new arrivals. A buyer with no history gets trending and new arrivals: the cold start.

Only products that are active, in stock and priced in an enabled market (the buyer's market)
appear; shows only when they are meant for an enabled market. No more than `MAX_RUN` items in a
row come from one shop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow

MAX_RUN = 2
HALF_LIFE_DAYS = 3.0
PER_SIGNAL = 30
NEW_DAYS = 14


@dataclass
class FeedItem:
    kind: str  # "show" or "product"
    id: int
    score: float
    reason: str
    shop_id: int | None
    signal: str


def _true(session: AsyncSession) -> str:
    return "true" if session.get_bind().dialect.name == "postgresql" else "1"


def _product_ok(session: AsyncSession, alias: str = "d") -> str:
    t = _true(session)
    return (
        f"{alias}.listed = {t} AND {alias}.in_stock = {t} AND EXISTS (SELECT 1 FROM search_prices"
        f" sp JOIN markets mk ON mk.code = sp.market_code WHERE sp.product_id = {alias}.product_id"
        f" AND sp.market_code = :market AND mk.enabled = {t})"
    )


async def _rows(session: AsyncSession, sql: str, **params: Any) -> list[Any]:
    return list((await session.execute(text(sql), params)).all())


async def feed(
    *, session: AsyncSession, user: User | None, market: str, limit: int
) -> list[FeedItem]:
    enabled = await _rows(session, "SELECT enabled FROM markets WHERE code = :m", m=market)
    if not enabled or not enabled[0][0]:
        return []
    now = utcnow()
    items: list[FeedItem] = []
    if user is not None:
        items += await _followed(session, user, market, now)
        items += await _bought_with(session, user, market)
        items += await _viewers_bought(session, user, market)
        items += await _recently_viewed(session, user, market)
    items += await _trending(session, market, now)
    items += await _new_arrivals(session, market, now)
    best: dict[tuple[str, int], FeedItem] = {}
    for item in items:
        key = (item.kind, item.id)
        if key not in best or item.score > best[key].score:
            best[key] = item
    if user is not None:
        bought = {
            r[0]
            for r in await _rows(
                session,
                "SELECT DISTINCT product_id FROM discovery_purchases WHERE buyer_id = :u",
                u=user.id,
            )
        }
        best = {k: v for k, v in best.items() if not (k[0] == "product" and k[1] in bought)}
    ranked = sorted(best.values(), key=lambda i: (-i.score, i.kind, -i.id))
    return diversify(ranked, MAX_RUN)[:limit]


def diversify(items: list[FeedItem], max_run: int) -> list[FeedItem]:
    """Greedy: take the best item that does not make a run of more than `max_run` from one
    shop; when only such items are left, take them in order."""
    pending = list(items)
    out: list[FeedItem] = []
    while pending:
        run_shop = out[-1].shop_id if out else None
        run = 0
        for prev in reversed(out):
            if prev.shop_id is None or prev.shop_id != run_shop:
                break
            run += 1
        pick = 0
        if run_shop is not None and run >= max_run:
            pick = next((i for i, it in enumerate(pending) if it.shop_id != run_shop), 0)
        out.append(pending.pop(pick))
    return out


async def _followed(
    session: AsyncSession, user: User, market: str, now: datetime
) -> list[FeedItem]:
    t = _true(session)
    out: list[FeedItem] = []
    shows = await _rows(
        session,
        "SELECT s.id, s.status, s.shop_id, u.display_name, s.starts_at FROM shows s"
        " JOIN follows f ON f.target_kind = 'creator' AND f.target_id = s.host_id"
        " JOIN users u ON u.id = s.host_id"
        " WHERE f.user_id = :u AND (s.status = 'live' OR (s.status = 'scheduled'"
        " AND s.starts_at >= :soon)) ORDER BY s.status, s.starts_at LIMIT :n",
        u=user.id,
        soon=now - timedelta(hours=1),
        n=PER_SIGNAL,
    )
    for sid, status, shop_id, name, _starts in shows:
        if status == "live":
            out.append(
                FeedItem(
                    "show", sid, 1000, f"{name} is live now — you follow them", shop_id, "live"
                )
            )
        else:
            out.append(
                FeedItem(
                    "show", sid, 800, f"Upcoming from {name}, whom you follow", shop_id, "upcoming"
                )
            )
    products = await _rows(
        session,
        "SELECT d.product_id, d.shop_id, sh.name FROM search_docs d"
        " JOIN shops sh ON sh.id = d.shop_id"
        " JOIN follows f ON f.target_kind = 'shop' AND f.target_id = d.shop_id"
        f" WHERE f.user_id = :u AND d.created_at >= :since AND {_product_ok(session)}"
        " ORDER BY d.product_id DESC LIMIT :n",
        u=user.id,
        since=now - timedelta(days=NEW_DAYS),
        market=market,
        n=PER_SIGNAL,
    )
    # Creators sell products of the shops that allow them: their new products follow too.
    creator_products = await _rows(
        session,
        "SELECT d.product_id, d.shop_id, u.display_name FROM follows f"
        " JOIN shop_creators sc ON sc.creator_id = f.target_id"
        " JOIN users u ON u.id = f.target_id"
        " JOIN search_docs d ON d.shop_id = sc.shop_id"
        f" WHERE f.user_id = :u AND f.target_kind = 'creator' AND d.created_at >= :since"
        f" AND {_product_ok(session)} ORDER BY d.product_id DESC LIMIT :n",
        u=user.id,
        since=now - timedelta(days=NEW_DAYS),
        market=market,
        n=PER_SIGNAL,
    )
    del t
    for i, (pid, shop_id, name) in enumerate([*products, *creator_products]):
        out.append(
            FeedItem(
                "product",
                pid,
                700 - i * 0.1,
                f"New from {name}, whom you follow",
                shop_id,
                "followed_new",
            )
        )
    return out


async def _bought_with(session: AsyncSession, user: User, market: str) -> list[FeedItem]:
    rows = await _rows(
        session,
        "SELECT o.product_id, count(DISTINCT o.buyer_id) AS n, min(p.title), d.shop_id"
        " FROM (SELECT product_id FROM discovery_purchases WHERE buyer_id = :u"
        "       ORDER BY at DESC LIMIT 10) mine"
        " JOIN discovery_purchases b ON b.product_id = mine.product_id AND b.buyer_id <> :u"
        " JOIN discovery_purchases o ON o.buyer_id = b.buyer_id AND o.product_id <> mine.product_id"
        " JOIN products p ON p.id = mine.product_id"
        " JOIN search_docs d ON d.product_id = o.product_id"
        f" WHERE {_product_ok(session)}"
        " GROUP BY o.product_id, d.shop_id ORDER BY n DESC, o.product_id DESC LIMIT :n",
        u=user.id,
        market=market,
        n=PER_SIGNAL,
    )
    return [
        FeedItem("product", pid, 600 + min(n, 50), f"Bought with {title}", shop_id, "bought_with")
        for pid, n, title, shop_id in rows
    ]


async def _viewers_bought(session: AsyncSession, user: User, market: str) -> list[FeedItem]:
    rows = await _rows(
        session,
        "SELECT pu.product_id, count(DISTINCT pu.buyer_id) AS n, min(s.title), d.shop_id"
        " FROM (SELECT DISTINCT show_id FROM discovery_interactions WHERE user_id = :u"
        "       AND show_id IS NOT NULL ORDER BY show_id DESC LIMIT 5) mine"
        " JOIN shows s ON s.id = mine.show_id"
        " JOIN discovery_interactions v ON v.show_id = mine.show_id AND v.user_id <> :u"
        " JOIN discovery_purchases pu ON pu.buyer_id = v.user_id"
        " JOIN search_docs d ON d.product_id = pu.product_id"
        f" WHERE {_product_ok(session)}"
        " GROUP BY pu.product_id, d.shop_id ORDER BY n DESC, pu.product_id DESC LIMIT :n",
        u=user.id,
        market=market,
        n=PER_SIGNAL,
    )
    return [
        FeedItem(
            "product",
            pid,
            500 + min(n, 50),
            f"Viewers of {title} also bought this",
            shop_id,
            "viewers_bought",
        )
        for pid, n, title, shop_id in rows
    ]


async def _recently_viewed(session: AsyncSession, user: User, market: str) -> list[FeedItem]:
    rows = await _rows(
        session,
        "SELECT v.product_id, max(v.at) AS last, d.shop_id FROM discovery_interactions v"
        " JOIN search_docs d ON d.product_id = v.product_id"
        f" WHERE v.user_id = :u AND {_product_ok(session)}"
        " GROUP BY v.product_id, d.shop_id ORDER BY last DESC LIMIT :n",
        u=user.id,
        market=market,
        n=PER_SIGNAL,
    )
    return [
        FeedItem(
            "product", pid, 400 - i * 0.1, "You looked at this recently", shop_id, "recently_viewed"
        )
        for i, (pid, _last, shop_id) in enumerate(rows)
    ]


async def _trending(session: AsyncSession, market: str, now: datetime) -> list[FeedItem]:
    # Units sold, each day's weighing half as much every HALF_LIFE_DAYS; a CASE over day
    # boundaries keeps it portable (SQLite may lack pow()) and the window bounded.
    days = int(HALF_LIFE_DAYS * 4)
    cases = " ".join(
        f"WHEN at >= :d{i} THEN {0.5 ** (i / HALF_LIFE_DAYS):.4f}" for i in range(days)
    )
    bounds = {f"d{i}": now - timedelta(days=i + 1) for i in range(days)}
    rows = await _rows(
        session,
        "SELECT t.product_id, t.score, d.shop_id FROM (SELECT product_id,"
        f" sum(quantity * CASE {cases} ELSE 0 END) AS score FROM discovery_purchases"
        " WHERE market_code = :market AND at >= :since GROUP BY product_id) t"
        " JOIN search_docs d ON d.product_id = t.product_id"
        f" WHERE {_product_ok(session)} ORDER BY t.score DESC, t.product_id DESC LIMIT :n",
        market=market,
        since=now - timedelta(days=days),
        n=PER_SIGNAL,
        **bounds,
    )
    return [
        FeedItem(
            "product",
            pid,
            300 + min(float(score), 99.0),
            f"Trending in {market}",
            shop_id,
            "trending",
        )
        for pid, score, shop_id in rows
    ]


async def _new_arrivals(session: AsyncSession, market: str, now: datetime) -> list[FeedItem]:
    rows = await _rows(
        session,
        "SELECT d.product_id, d.shop_id FROM search_docs d"
        f" WHERE d.created_at >= :since AND {_product_ok(session)}"
        " ORDER BY d.product_id DESC LIMIT :n",
        since=now - timedelta(days=NEW_DAYS),
        market=market,
        n=PER_SIGNAL,
    )
    return [
        FeedItem("product", pid, 200 - i * 0.1, f"New in {market}", shop_id, "new")
        for i, (pid, shop_id) in enumerate(rows)
    ]
