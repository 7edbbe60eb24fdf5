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

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.db import utcnow
from liveshop.i18n import N_

MAX_RUN = 2
HALF_LIFE_DAYS = 3.0
PER_SIGNAL = 30
NEW_DAYS = 14
CO_BUYERS = 60  # other buyers (or viewers) whose purchases a co-purchase signal reads


@dataclass
class FeedItem:
    kind: str  # "show" or "product"
    id: int
    score: float
    reason: str  # an English msgid, translated when answered (`values` fill it)
    values: dict[str, str]
    shop_id: int | None
    signal: str


def _true(session: AsyncSession) -> str:
    return "true" if session.get_bind().dialect.name == "postgresql" else "1"


def _product_ok(session: AsyncSession, alias: str = "d") -> str:
    # The market itself was checked enabled once per feed (`feed`): here only a primary-key
    # probe of the product's price in it.
    t = _true(session)
    return (
        f"{alias}.listed = {t} AND {alias}.in_stock = {t} AND EXISTS (SELECT 1 FROM search_prices"
        f" sp WHERE sp.product_id = {alias}.product_id AND sp.market_code = :market)"
    )


async def _rows(session: AsyncSession, sql: str, **params: Any) -> list[Any]:
    return list((await session.execute(text(sql), params)).all())


async def feed(
    *,
    session: AsyncSession,
    user: User | None,
    market: str,
    limit: int,
    trending_ttl: float = 0,
) -> list[FeedItem]:
    enabled = await _rows(session, "SELECT enabled FROM markets WHERE code = :m", m=market)
    if not enabled or not enabled[0][0]:
        return []
    now = utcnow()
    items: list[FeedItem] = []
    bought: set[int] = set()
    if user is not None:
        # What this buyer bought, most recent first: both the products to leave out and the
        # seeds of "bought with" (one index-only range scan).
        mine = [
            int(r[0])
            for r in await _rows(
                session,
                "SELECT product_id, max(at) AS last FROM discovery_purchases WHERE buyer_id = :u"
                " GROUP BY product_id ORDER BY last DESC",
                u=user.id,
            )
        ]
        bought = set(mine)
        items += await _followed(session, user, market, now)
        items += await _co_purchase(session, user, market, mine[:10])
        items += await _recently_viewed(session, user, market)
    # In turn on one connection: running them at once on several would hold several pooled
    # connections per request, and a crowd of feed requests could starve the pool.
    items += await _trending(session, market, now, trending_ttl)
    items += await _new_arrivals(session, market, now, trending_ttl)
    best: dict[tuple[str, int], FeedItem] = {}
    for item in items:
        key = (item.kind, item.id)
        if key not in best or item.score > best[key].score:
            best[key] = item
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


def _ids(values: object) -> str:
    return ", ".join(str(int(v)) for v in values)  # type: ignore[attr-defined]


async def _followed(
    session: AsyncSession, user: User, market: str, now: datetime
) -> list[FeedItem]:
    follows = await _rows(
        session, "SELECT f.target_kind, f.target_id FROM follows f WHERE f.user_id = :u", u=user.id
    )
    creators = sorted({int(t) for k, t in follows if k == "creator"})
    shops = sorted({int(t) for k, t in follows if k == "shop"})
    out: list[FeedItem] = []
    shows = []
    if creators:
        shows = await _rows(
            session,
            "SELECT s.id, s.status, s.shop_id, u.display_name, s.starts_at FROM shows s"
            " JOIN users u ON u.id = s.host_id"
            f" WHERE s.host_id IN ({_ids(creators)}) AND (s.status = 'live'"
            " OR (s.status = 'scheduled' AND s.starts_at >= :soon))"
            " ORDER BY s.status, s.starts_at LIMIT :n",
            soon=now - timedelta(hours=1),
            n=PER_SIGNAL,
        )
    for sid, status, shop_id, name, _starts in shows:
        if status == "live":
            out.append(
                FeedItem(
                    "show",
                    sid,
                    1000,
                    N_("{name} is live now — you follow them"),
                    {"name": name},
                    shop_id,
                    "live",
                )
            )
        else:
            out.append(
                FeedItem(
                    "show",
                    sid,
                    800,
                    N_("Upcoming from {name}, whom you follow"),
                    {"name": name},
                    shop_id,
                    "upcoming",
                )
            )
    since = now - timedelta(days=NEW_DAYS)
    products = []
    if shops:
        products = await _rows(
            session,
            "SELECT d.product_id, d.shop_id, sh.name FROM search_docs d"
            " JOIN shops sh ON sh.id = d.shop_id"
            f" WHERE d.shop_id IN ({_ids(shops)}) AND d.created_at >= :since"
            f" AND {_product_ok(session)} ORDER BY d.product_id DESC LIMIT :n",
            since=since,
            market=market,
            n=PER_SIGNAL,
        )
    creator_products = []
    if creators:  # creators sell the products in their showcase (affiliates/): new ones follow
        creator_products = await _rows(
            session,
            "SELECT d.product_id, d.shop_id, u.display_name FROM showcase_items si"
            " JOIN users u ON u.id = si.creator_id"
            " JOIN search_docs d ON d.product_id = si.product_id"
            f" WHERE si.creator_id IN ({_ids(creators)}) AND d.created_at >= :since"
            f" AND {_product_ok(session)} ORDER BY d.product_id DESC LIMIT :n",
            since=since,
            market=market,
            n=PER_SIGNAL,
        )
    for i, (pid, shop_id, name) in enumerate([*products, *creator_products]):
        out.append(
            FeedItem(
                "product",
                pid,
                700 - i * 0.1,
                N_("New from {name}, whom you follow"),
                {"name": name},
                shop_id,
                "followed_new",
            )
        )
    return out


def _co_counts(
    their: list[Any], buyer_id: int, seeds: dict[int, int], skip: set[int]
) -> list[tuple[int, int, int]]:
    """What the other buyers in `seeds` (buyer -> the seed item they share) bought:
    (product, buyers, the seed most of them share), most shared first."""
    counts: dict[int, set[int]] = {}
    via: dict[int, dict[int, int]] = {}
    for other, pid in their:
        if other == buyer_id or other not in seeds or pid in skip:
            continue
        counts.setdefault(pid, set()).add(other)
        seed = seeds[other]
        via.setdefault(pid, {})[seed] = via.get(pid, {}).get(seed, 0) + 1
    ranked = sorted(counts, key=lambda p: (-len(counts[p]), -p))[: PER_SIGNAL * 3]
    return [(p, len(counts[p]), max(via[p], key=lambda s: via[p][s])) for p in ranked]


async def _sellable(session: AsyncSession, ids: list[int], market: str) -> dict[int, int | None]:
    """Of `ids`, those a buyer in `market` may see now, with their shops."""
    if not ids:
        return {}
    rows = await _rows(
        session,
        f"SELECT d.product_id, d.shop_id FROM search_docs d WHERE d.product_id IN ({_ids(ids)})"
        f" AND {_product_ok(session)}",
        market=market,
    )
    return {int(p): s for p, s in rows}


async def _co_purchase(
    session: AsyncSession, user: User, market: str, mine: list[int]
) -> list[FeedItem]:
    """ "Bought with" and "viewers of this show also bought": the buyers who most recently
    bought what this buyer bought recently (or watched the shows they watched), and what else
    those buyers bought. Bounded index range scans, one read of the others' purchases for
    both signals, instead of a join over every co-purchase."""
    buyers: dict[int, int] = {}  # other buyer -> the product of mine they bought
    if mine:
        buyers = {
            int(b): int(p)
            for b, p in await _rows(
                session,
                "SELECT buyer_id, product_id FROM discovery_purchases WHERE product_id IN"
                f" ({_ids(set(mine))}) AND buyer_id <> :u LIMIT :n",
                u=user.id,
                n=CO_BUYERS,
            )
        }
    shows = [
        int(r[0])
        for r in await _rows(
            session,
            "SELECT show_id FROM discovery_interactions WHERE user_id = :u"
            " AND show_id IS NOT NULL ORDER BY at DESC LIMIT 5",
            u=user.id,
        )
    ]
    viewers: dict[int, int] = {}  # other viewer -> the show they watched
    if shows:
        viewers = {
            int(v): int(s)
            for v, s in await _rows(
                session,
                "SELECT user_id, show_id FROM discovery_interactions WHERE show_id IN"
                f" ({_ids(set(shows))}) AND user_id <> :u LIMIT :n",
                u=user.id,
                n=CO_BUYERS,
            )
        }
    if not buyers and not viewers:
        return []
    their = await _rows(
        session,
        "SELECT buyer_id, product_id FROM discovery_purchases"
        f" WHERE buyer_id IN ({_ids(set(buyers) | set(viewers))})",
    )
    with_mine = _co_counts(their, user.id, buyers, set(mine)) if buyers else []
    with_shows = _co_counts(their, user.id, viewers, set()) if viewers else []
    shops = await _sellable(session, sorted({p for p, _n, _s in with_mine + with_shows}), market)
    with_mine = [f for f in with_mine if f[0] in shops][:PER_SIGNAL]
    with_shows = [f for f in with_shows if f[0] in shops][:PER_SIGNAL]
    titles = await _titles(session, {seed for _p, _n, seed in with_mine})
    names: dict[int, str] = {}
    if with_shows:
        watched = _ids({s for _p, _n, s in with_shows})
        names = {
            int(i): str(t)
            for i, t in await _rows(session, f"SELECT id, title FROM shows WHERE id IN ({watched})")
        }
    return [
        FeedItem(
            "product",
            pid,
            600 + min(n, 50),
            N_("Bought with {title}"),
            {"title": titles.get(seed, "")},
            shops[pid],
            "bought_with",
        )
        for pid, n, seed in with_mine
    ] + [
        FeedItem(
            "product",
            pid,
            500 + min(n, 50),
            N_("Viewers of {show} also bought this"),
            {"show": names.get(show, "")},
            shops[pid],
            "viewers_bought",
        )
        for pid, n, show in with_shows
    ]


async def _titles(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = await _rows(session, f"SELECT id, title FROM products WHERE id IN ({_ids(ids)})")
    return {int(i): str(t) for i, t in rows}


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
            "product",
            pid,
            400 - i * 0.1,
            N_("You looked at this recently"),
            {},
            shop_id,
            "recently_viewed",
        )
        for i, (pid, _last, shop_id) in enumerate(rows)
    ]


# Trending and new arrivals are the same for every buyer of a market: kept `ttl` seconds per
# process (LIVESHOP_DISCOVERY_TRENDING_SECONDS); this process drops them at once when it records
# a sale or reindexes products (another process's changes show within the TTL).
_market_cache: dict[tuple[str, str, str], tuple[float, list[FeedItem]]] = {}


def forget_trending() -> None:
    _market_cache.clear()


async def _cached(
    session: AsyncSession,
    kind: str,
    market: str,
    ttl: float,
    compute: Callable[[], Awaitable[list[FeedItem]]],
) -> list[FeedItem]:
    key = (str(getattr(session.get_bind(), "url", "")), kind, market)
    hit = _market_cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    items = await compute()
    _market_cache[key] = (time.monotonic(), items)
    return items


async def _trending(
    session: AsyncSession, market: str, now: datetime, ttl: float
) -> list[FeedItem]:
    return await _cached(
        session, "trending", market, ttl, lambda: _trending_now(session, market, now)
    )


async def _new_arrivals(
    session: AsyncSession, market: str, now: datetime, ttl: float
) -> list[FeedItem]:
    return await _cached(session, "new", market, ttl, lambda: _new_now(session, market, now))


async def _trending_now(session: AsyncSession, market: str, now: datetime) -> list[FeedItem]:
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
            N_("Trending in {market}"),
            {"market": market},
            shop_id,
            "trending",
        )
        for pid, score, shop_id in rows
    ]


async def _new_now(session: AsyncSession, market: str, now: datetime) -> list[FeedItem]:
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
        FeedItem(
            "product", pid, 200 - i * 0.1, N_("New in {market}"), {"market": market}, shop_id, "new"
        )
        for i, (pid, shop_id) in enumerate(rows)
    ]
