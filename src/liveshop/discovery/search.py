"""Product search: query planning, candidates from the engine, ranking and facets.

Ranking, in order: in stock first; then the match tier (exact words in the title, exact words
anywhere, corrected words in the title, corrected words anywhere); then units sold; then newest.
Only listed (active) products with a price in an enabled market are ever returned.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop.catalog.models import Product, Shop, Variant
from liveshop.discovery.engines import Engine, Group, corrections, engine_for
from liveshop.discovery.text import (
    MARKET_LANG,
    MAX_QUERY_WORDS,
    lang_of,
    max_edits,
    stem,
    synonyms,
    words,
)
from liveshop.markets.seed import MARKETS

# Candidates walked per match tier, newest first: bounds the cost of a word found in half the
# catalogue, at the price of ranking only its newest matches.
CANDIDATE_CAP = 1000
_CURRENCY = {str(m["code"]): str(m["currency"]) for m in MARKETS}
# Price facet bucket edges in minor units, per currency.
_EDGES = {"IDR": [50_000, 150_000, 500_000, 1_500_000]}
_DEFAULT_EDGES = [1000, 2500, 5000, 10000]


@dataclass
class Filters:
    market: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    shop_id: int | None = None
    category: str | None = None
    tag: str | None = None
    live_now: bool = False


@dataclass
class Hit:
    product_id: int
    tier: int
    in_stock: bool
    sales: int
    shop_id: int
    category: str | None


@dataclass
class Result:
    hits: list[Hit]
    total: int
    capped: bool
    corrected: dict[str, list[str]] = field(default_factory=dict)
    facets: dict[str, Any] = field(default_factory=dict)


@dataclass
class Plan:
    exact: list[Group]
    fuzzy: list[Group] | None
    corrected: dict[str, list[str]]
    typed: list[str] = field(default_factory=list)
    langs: list[str] = field(default_factory=list)
    prefix_last: bool = False


def _langs(market: str | None) -> list[str]:
    if market:
        return [lang_of(market)]
    return sorted(set(MARKET_LANG.values()))


def _group(word: str, langs: list[str], prefix: bool, extra: list[str] = ()) -> Group:  # type: ignore[assignment]
    terms: set[str] = set()
    prefixes: set[str] = set()
    for lang in langs:
        for w in [word, *extra]:
            s = stem(w, lang)
            terms.update(synonyms(s, lang))
            if prefix and w == word:
                prefixes.update({w, s})
    if prefix:
        terms -= prefixes
    return Group(frozenset(terms), frozenset(prefixes))


async def plan(
    session: AsyncSession, engine: Engine, q: str, market: str | None, *, fuzzy: bool = True
) -> Plan | None:
    """The query's word groups; the last word is a prefix unless the query ends in a space."""
    the_plan = await exact_plan(session, q, market)
    if the_plan is not None and fuzzy:
        await correct(session, engine, the_plan)
    return the_plan


async def exact_plan(session: AsyncSession, q: str, market: str | None) -> Plan | None:
    """The word groups as typed (with synonyms and stems), no typo corrections yet."""
    typed = words(q)[:MAX_QUERY_WORDS]
    if not typed:
        return None
    langs = _langs(market)
    # A last word that is already a whole word of the vocabulary is taken as typed: a prefix
    # query on a common word ("black*") makes the engines merge every word it begins, which
    # on a large catalogue costs a hundred times the word itself.
    prefix_last = not q.endswith(" ") and not await _known(session, typed[-1])
    exact = [
        _group(word, langs, prefix_last and i == len(typed) - 1) for i, word in enumerate(typed)
    ]
    return Plan(exact, None, {}, typed, langs, prefix_last)


async def correct(session: AsyncSession, engine: Engine, the_plan: Plan) -> None:
    """Adds the typo corrections of each word (a vocabulary lookup per word of five letters
    or more) and, when there are any, the corrected word groups."""
    fuzzy_groups: list[Group] = []
    corrected: dict[str, list[str]] = {}
    typed = the_plan.typed
    for i, word in enumerate(typed):
        is_prefix = the_plan.prefix_last and i == len(typed) - 1
        fixes = await corrections(engine, session, word, max_edits(word))
        if fixes:
            corrected[word] = fixes
        fuzzy_groups.append(_group(word, the_plan.langs, is_prefix, fixes))
    the_plan.corrected = corrected
    the_plan.fuzzy = fuzzy_groups if corrected else None


async def _known(session: AsyncSession, word: str) -> bool:
    found = await session.execute(text("SELECT 1 FROM search_words WHERE word = :w"), {"w": word})
    return found.first() is not None


def _filter_sql(f: Filters, dialect: str) -> tuple[list[str], dict[str, Any]]:
    """The filters as conditions on `d`; with a market, that market was checked enabled once
    (`search`), so each candidate costs only a primary-key probe of its price there."""
    true = "true" if dialect == "postgresql" else "1"
    cond = [f"d.listed = {true}"]
    params: dict[str, Any] = {}
    price = []
    if f.market:
        price.append("p.market_code = :f_market")
        params["f_market"] = f.market
    else:
        price.append(f"m.enabled = {true}")
    if f.min_price is not None:
        price.append("p.amount >= :f_min")
        params["f_min"] = f.min_price
    if f.max_price is not None:
        price.append("p.amount <= :f_max")
        params["f_max"] = f.max_price
    markets = "" if f.market else " JOIN markets m ON m.code = p.market_code"
    cond.append(
        f"EXISTS (SELECT 1 FROM search_prices p{markets}"
        f" WHERE p.product_id = d.product_id AND {' AND '.join(price)})"
    )
    if f.in_stock:
        cond.append(f"d.in_stock = {true}")
    if f.shop_id is not None:
        cond.append("d.shop_id = :f_shop")
        params["f_shop"] = f.shop_id
    if f.category:
        cond.append("d.category = :f_category")
        params["f_category"] = f.category
    if f.tag:
        cond.append(
            "EXISTS (SELECT 1 FROM search_tags t WHERE t.product_id = d.product_id"
            " AND t.tag = :f_tag)"
        )
        params["f_tag"] = f.tag.lower()
    if f.live_now:
        cond.append(f"d.product_id IN ({_LIVE_PRODUCTS})")
    return cond, params


_LIVE_PRODUCTS = (
    "SELECT sp.product_id FROM show_products sp JOIN shows s ON s.id = sp.show_id"
    " WHERE s.status = 'live'"
)
_COLS = "d.product_id, d.in_stock, d.sales, d.shop_id, d.category"


async def _market_enabled(session: AsyncSession, market: str) -> bool:
    found = await session.execute(
        text("SELECT enabled FROM markets WHERE code = :m"), {"m": market}
    )
    row = found.first()
    return row is not None and bool(row[0])


_RANK_ORDER = "d.in_stock DESC, d.sales DESC, d.product_id DESC"
# PostgreSQL: a word group the planner expects in at most this many documents is taken whole
# from the GIN index and ranked; a commoner one by walking the ranking index backwards until the
# page is full. The planner would otherwise walk for any word missing from its statistics too
# (it guesses a thousand matches spread evenly), and for a rare one that is the whole index.
RARE = 5000


def _tier_sql(
    engine: Engine,
    tiers: list[tuple[int, list[Group], bool]],
    cond: list[str],
    params: dict[str, Any],
    take: int,
) -> str:
    parts = []
    for tier, groups, title_only in tiers:
        key = f"m{tier}"
        source, where, order = engine.match_sql(groups, title_only=title_only, key=key)
        params.update(engine.match_params(groups, title_only=title_only, key=key))
        if engine.rank_walk:
            parts.append(
                f"SELECT * FROM (SELECT {_COLS}, {tier} AS tier, 0 AS n FROM {source}"
                f" WHERE {where} AND {' AND '.join(cond)}"
                f" ORDER BY {_RANK_ORDER} LIMIT {int(take)}) c{tier}"
            )
        else:
            # The newest CANDIDATE_CAP matches, of which only the best `take` leave the
            # database, with how many there were.
            parts.append(
                f"SELECT * FROM (SELECT w.*, count(*) OVER () AS n FROM (SELECT {_COLS},"
                f" {tier} AS tier FROM {source} WHERE {where} AND {' AND '.join(cond)}"
                f" ORDER BY {order} DESC LIMIT {CANDIDATE_CAP}) w"
                f" ORDER BY w.in_stock DESC, w.sales DESC, w.product_id DESC"
                f" LIMIT {int(take)}) c{tier}"
            )
    return " UNION ALL ".join(parts)


async def _candidates(
    session: AsyncSession,
    engine: Engine,
    tiers: list[tuple[int, list[Group], bool]],
    cond: list[str],
    params: dict[str, Any],
    take: int,
) -> list[Any]:
    if not engine.rank_walk:
        return list(
            await session.execute(text(_tier_sql(engine, tiers, cond, params, take)), params)
        )
    rows: list[Any] = []
    for tier, groups, title_only in tiers:
        key = f"m{tier}"
        source, where, _order = engine.match_sql(groups, title_only=title_only, key=key)
        params.update(engine.match_params(groups, title_only=title_only, key=key))
        plan = await session.execute(
            text(f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {source} WHERE {where}"), params
        )
        expected = plan.scalar_one()[0]["Plan"]["Plan Rows"]
        if expected <= RARE:
            sql = (
                f"WITH m AS MATERIALIZED (SELECT {_COLS}, {tier} AS tier FROM {source}"
                f" WHERE {where} AND {' AND '.join(cond)})"
                " SELECT *, (SELECT count(*) FROM m) AS n FROM m"
                f" ORDER BY in_stock DESC, sales DESC, product_id DESC LIMIT {int(take)}"
            )
        else:
            sql = _tier_sql(engine, [(tier, groups, title_only)], cond, params, take)
        rows += list(await session.execute(text(sql), params))
    return rows


async def _tiers(
    session: AsyncSession,
    engine: Engine,
    the_plan: Plan,
    cond: list[str],
    params: dict[str, Any],
    *,
    need: int,
    take: int,
    all_exact: bool,
) -> tuple[list[Any], bool, bool]:
    """The exact tiers' candidate rows; whether they fill the page with products in stock;
    whether the text tier was skipped.

    Products in stock rank first, and among them title matches before text matches before
    corrected words: once the candidates hold `need` products in stock, no lower tier could
    reach the page, so it is not asked for (and the total becomes a lower bound). Facets need
    every exact tier (`all_exact`); a page without them usually stops after the title tier.
    """
    if all_exact:
        exact = [(3, the_plan.exact, True), (2, the_plan.exact, False)]
        rows = await _candidates(session, engine, exact, cond, params, take)
        return rows, len({r[0] for r in rows if r[1]}) >= need, False
    rows = await _candidates(session, engine, [(3, the_plan.exact, True)], cond, params, take)
    if len({r[0] for r in rows if r[1]}) >= need:
        return rows, True, True
    rows += await _candidates(session, engine, [(2, the_plan.exact, False)], cond, params, take)
    return rows, len({r[0] for r in rows if r[1]}) >= need, False


async def search(
    *,
    session: AsyncSession,
    q: str | None,
    filters: Filters,
    limit: int,
    offset: int,
    with_facets: bool = True,
    fuzzy: bool = True,
) -> Result:
    engine = engine_for(session)
    dialect = engine.name
    if filters.market and not await _market_enabled(session, filters.market):
        empty = Result(hits=[], total=0, capped=False)
        if with_facets:
            empty.facets = await _facets(session, [], filters)
        return empty
    cond, params = _filter_sql(filters, dialect)
    the_plan = await exact_plan(session, q, filters.market) if q else None
    rows: list[Any] = []
    skipped = False
    take = CANDIDATE_CAP
    if the_plan is None:
        sql = (
            f"SELECT {_COLS}, 0 AS tier FROM search_docs d WHERE {' AND '.join(cond)}"
            " ORDER BY d.in_stock DESC, d.sales DESC, d.product_id DESC LIMIT :cap"
        )
        params["cap"] = take = CANDIDATE_CAP * 4
        rows = list((await session.execute(text(sql), params)).all())
    else:
        # A page needs only its own candidates and those before it (the best of each tier:
        # any other ranks below them). Facets count over CANDIDATE_CAP candidates: on SQLite
        # the newest-first walk's; on PostgreSQL a sample taken apart (`_facet_sample`).
        if not with_facets or engine.rank_walk:
            take = min(offset + limit, CANDIDATE_CAP)
        rows, enough, partial = await _tiers(
            session,
            engine,
            the_plan,
            cond,
            params,
            need=offset + limit,
            take=take,
            all_exact=with_facets,
        )
        skipped = partial or (enough and fuzzy)
        if fuzzy and not enough:
            await correct(session, engine, the_plan)
            if the_plan.fuzzy is not None:
                more = [(1, the_plan.fuzzy, True), (0, the_plan.fuzzy, False)]
                rows += await _candidates(session, engine, more, cond, params, take)
    best: dict[int, Hit] = {}
    per_tier: dict[int, int] = {}
    returned: dict[int, int] = {}
    for pid, in_stock_, sales, shop_id, category, tier, *n in rows:
        returned[tier] = returned.get(tier, 0) + 1
        per_tier[tier] = max(per_tier.get(tier, 0), n[0] if n else 0)
        seen = best.get(pid)
        if seen is None or tier > seen.tier:
            best[pid] = Hit(pid, tier, bool(in_stock_), sales, shop_id, category)
    hits = sorted(best.values(), key=lambda h: (not h.in_stock, -h.tier, -h.sales, -h.product_id))
    # How many candidates each tier had: counted in the database (newest-first walks, rare
    # words) or, for best-first walks, only what came back: all of them unless it filled `take`.
    found = {t: max(per_tier[t], returned[t]) for t in returned}
    cap = CANDIDATE_CAP * 4 if the_plan is None else CANDIDATE_CAP
    truncated = [t for t in found if returned[t] >= take and found[t] >= take]
    result = Result(
        hits=hits[offset : offset + limit],
        total=max([len(hits), *found.values()]),
        capped=skipped
        or any(n >= cap for n in found.values())
        or any(per_tier[t] == 0 for t in truncated)
        or (bool(truncated) and len(found) > 1),
        corrected=the_plan.corrected if the_plan else {},
    )
    if with_facets:
        counted = hits
        if engine.rank_walk and the_plan is not None:
            sample = await _facet_sample(session, engine, the_plan.exact, cond, params)
            counted = list({**{h.product_id: h for h in sample}, **best}.values())
            result.total = max(result.total, len(counted))
            result.capped = result.capped or len(sample) >= CANDIDATE_CAP
        result.facets = await _facets(session, counted, filters)
    return result


async def _facet_sample(
    session: AsyncSession, engine: Engine, groups: list[Group], cond: list[str], params: Any
) -> list[Hit]:
    """Up to CANDIDATE_CAP exact matches in no particular order, for the facet counts: the
    first ones the engine finds, not the best, which would mean walking far for a common
    word."""
    source, where, _order = engine.match_sql(groups, title_only=False, key="m2")
    params.update(engine.match_params(groups, title_only=False, key="m2"))
    rows = await session.execute(
        text(
            f"SELECT {_COLS} FROM {source} WHERE {where} AND {' AND '.join(cond)}"
            f" LIMIT {CANDIDATE_CAP}"
        ),
        params,
    )
    return [Hit(p, 2, bool(i), sl, sh, c) for p, i, sl, sh, c in rows]


async def _facets(session: AsyncSession, hits: list[Hit], f: Filters) -> dict[str, Any]:
    shops: dict[int, int] = {}
    categories: dict[str, int] = {}
    for h in hits:
        shops[h.shop_id] = shops.get(h.shop_id, 0) + 1
        if h.category:
            categories[h.category] = categories.get(h.category, 0) + 1
    ids = [h.product_id for h in hits]
    facets: dict[str, Any] = {
        "in_stock": sum(1 for h in hits if h.in_stock),
        "categories": _top(categories),
        "shops": [],
        "tags": [],
        "markets": [],
        "prices": [],
        "live_now": 0,
    }
    if not ids:
        return facets
    top_shops = _top(shops)
    names = dict(
        (
            await session.execute(
                select(Shop.id, Shop.name).where(Shop.id.in_([s["value"] for s in top_shops]))
            )
        ).all()
    )
    facets["shops"] = [{**s, "name": names.get(s["value"], "")} for s in top_shops]
    expand = {"ids": ids}
    tags = await session.execute(
        text(
            "SELECT tag, count(*) AS n FROM search_tags WHERE product_id IN :ids"
            " GROUP BY tag ORDER BY n DESC, tag LIMIT 12"
        ).bindparams(bindparam("ids", expanding=True)),
        expand,
    )
    facets["tags"] = [{"value": t, "count": n} for t, n in tags]
    true = "true" if session.get_bind().dialect.name == "postgresql" else "1"
    markets = await session.execute(
        text(
            "SELECT p.market_code, count(*) FROM search_prices p JOIN markets m"
            f" ON m.code = p.market_code WHERE m.enabled = {true} AND p.product_id IN :ids"
            " GROUP BY p.market_code ORDER BY p.market_code"
        ).bindparams(bindparam("ids", expanding=True)),
        expand,
    )
    facets["markets"] = [{"value": m, "count": n} for m, n in markets]
    live = await session.execute(
        text(
            f"SELECT count(DISTINCT product_id) FROM ({_LIVE_PRODUCTS}) lp"
            " WHERE lp.product_id IN :ids"
        ).bindparams(bindparam("ids", expanding=True)),
        expand,
    )
    facets["live_now"] = live.scalar_one()
    if f.market:
        edges = _EDGES.get(_CURRENCY.get(f.market, ""), _DEFAULT_EDGES)
        amounts = await session.execute(
            text(
                "SELECT amount FROM search_prices WHERE market_code = :m AND product_id IN :ids"
            ).bindparams(bindparam("ids", expanding=True)),
            {**expand, "m": f.market},
        )
        buckets = [0] * (len(edges) + 1)
        for (amount,) in amounts:
            buckets[sum(1 for e in edges if amount >= e)] += 1
        bounds = [None, *edges, None]
        facets["prices"] = [
            {"min": bounds[i], "max": bounds[i + 1], "count": n} for i, n in enumerate(buckets) if n
        ]
    return facets


def _top(counts: dict[Any, int], n: int = 12) -> list[dict[str, Any]]:
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], str(kv[0])))[:n]
    return [{"value": k, "count": c} for k, c in ordered]


async def load_products(*, session: AsyncSession, ids: list[int]) -> list[Product]:
    """The products of a result page with their variants and prices, in the page's order."""
    if not ids:
        return []
    stmt = (
        select(Product)
        .where(Product.id.in_(ids))
        .options(selectinload(Product.variants).selectinload(Variant.prices))
    )
    found = {p.id: p for p in (await session.execute(stmt)).scalars()}
    return [found[i] for i in ids if i in found]
