"""Discovery operations: search over everything, suggestions, labels, views and the feed page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import Role, User
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Shop
from liveshop.catalog.schemas import product_public
from liveshop.db import utcnow
from liveshop.discovery import engines
from liveshop.discovery import feed as feeds
from liveshop.discovery import search as engine
from liveshop.discovery.models import Interaction, ProductLabel
from liveshop.discovery.schemas import (
    EverythingPublic,
    FeedItemPublic,
    FeedPublic,
    LabelsPublic,
    LabelsUpdate,
    NamedHit,
    ProductHit,
    ProductSearchPublic,
    ShowHit,
    Suggestion,
    SuggestPublic,
    ViewIn,
)
from liveshop.discovery.text import words
from liveshop.errors import Problem, not_found
from liveshop.i18n import _
from liveshop.live.shows.models import Show, ShowStatus

_MATCH = {3: "title", 2: "text", 1: "corrected_title", 0: "corrected_text"}
FEED_MAX = 200
VIEW_REPEAT = timedelta(minutes=5)


async def search_products(
    *,
    session: AsyncSession,
    q: str | None,
    filters: engine.Filters,
    limit: int,
    offset: int,
    with_facets: bool = True,
) -> ProductSearchPublic:
    found = await engine.search(
        session=session, q=q, filters=filters, limit=limit, offset=offset, with_facets=with_facets
    )
    products = await engine.load_products(session=session, ids=[h.product_id for h in found.hits])
    by_id = {h.product_id: h for h in found.hits}
    return ProductSearchPublic(
        items=[
            ProductHit(
                product=product_public(p),
                match=_MATCH[by_id[p.id].tier] if q else "browse",
                in_stock=by_id[p.id].in_stock,
            )
            for p in products
        ],
        total=found.total,
        total_is_lower_bound=found.capped,
        corrected=found.corrected,
        facets=found.facets,
        limit=limit,
        offset=offset,
    )


def _like_any(column: object, alternatives: list[list[str]]) -> list[object]:
    # Every typed word (or one of its corrections) must appear in the name.
    return [or_(*[column.contains(a, autoescape=True) for a in alts]) for alts in alternatives]  # type: ignore[attr-defined]


async def _alternatives(
    session: AsyncSession, q: str
) -> tuple[list[list[str]], dict[str, list[str]]]:
    typed = words(q)[:8]
    plan = await engine.plan(session, engines.engine_for(session), q, None) if typed else None
    corrected = plan.corrected if plan else {}
    return [[w, *corrected.get(w, [])] for w in typed], corrected


def _show_hit(show: Show, host: User) -> ShowHit:
    return ShowHit(
        id=show.id,
        title=show.title,
        status=show.status,
        starts_at=show.starts_at.isoformat(),
        host_id=show.host_id,
        host_name=host.display_name,
        shop_id=show.shop_id,
        has_replay=show.replay_path is not None,
    )


async def search_shows(
    *, session: AsyncSession, alternatives: list[list[str]], status: str, limit: int
) -> list[ShowHit]:
    cond = _like_any(func.lower(Show.title), alternatives)
    stmt = select(Show, User).join(User, User.id == Show.host_id).where(*cond)  # type: ignore[arg-type]
    if status == "replay":
        stmt = stmt.where(Show.status == ShowStatus.ended.value, Show.replay_path.is_not(None))
        stmt = stmt.order_by(Show.ended_at.desc())
    else:
        stmt = stmt.where(Show.status == status).order_by(Show.starts_at)
    rows = (await session.execute(stmt.limit(limit))).all()
    return [_show_hit(s, u) for s, u in rows]


async def search_everything(
    *, session: AsyncSession, q: str, filters: engine.Filters, limit: int
) -> EverythingPublic:
    alternatives, _ = await _alternatives(session, q)
    products = await search_products(
        session=session, q=q, filters=filters, limit=limit, offset=0, with_facets=True
    )
    creators = (
        await session.execute(
            select(User)
            .where(
                *_like_any(func.lower(User.display_name + " " + User.handle), alternatives),  # type: ignore[arg-type]
                User.banned_at.is_(None),
            )
            .limit(limit * 3)
        )
    ).scalars()
    shops = (
        await session.execute(
            select(Shop).where(*_like_any(func.lower(Shop.name), alternatives)).limit(limit)  # type: ignore[arg-type]
        )
    ).scalars()
    return EverythingPublic(
        products=products,
        live=await search_shows(
            session=session, alternatives=alternatives, status="live", limit=limit
        ),
        upcoming=await search_shows(
            session=session, alternatives=alternatives, status="scheduled", limit=limit
        ),
        replays=await search_shows(
            session=session, alternatives=alternatives, status="replay", limit=limit
        ),
        creators=[
            NamedHit(id=u.id, name=u.display_name, handle=u.handle)
            for u in creators
            if Role.creator.value in u.roles
        ][:limit],
        shops=[NamedHit(id=s.id, name=s.name, handle=s.slug) for s in shops],
    )


async def suggest(*, session: AsyncSession, q: str, market: str | None) -> SuggestPublic:
    """What the search box offers as a person types: a few products, then live shows."""
    found = await engine.search(
        session=session,
        q=q,
        filters=engine.Filters(market=market),
        limit=6,
        offset=0,
        with_facets=False,
    )
    products = await engine.load_products(session=session, ids=[h.product_id for h in found.hits])
    suggestions = [
        Suggestion(kind="product", id=p.id, label=p.title, url=f"/products/{p.id}")
        for p in products
    ]
    alternatives = [[w, *found.corrected.get(w, [])] for w in words(q)[:8]]
    if alternatives:
        for show in await search_shows(
            session=session, alternatives=alternatives, status="live", limit=3
        ):
            suggestions.append(
                Suggestion(
                    kind="show", id=show.id, label=f"LIVE · {show.title}", url=f"/shows/{show.id}"
                )
            )
    return SuggestPublic(q=q, suggestions=suggestions, corrected=found.corrected)


async def categories(session: AsyncSession, product_ids: list[int]) -> dict[int, str | None]:
    """The category label of each product that has one (the ledger's fee by category)."""
    if not product_ids:
        return {}
    rows = await session.execute(
        select(ProductLabel.product_id, ProductLabel.category).where(
            ProductLabel.product_id.in_(product_ids)
        )
    )
    return {int(pid): category for pid, category in rows.all()}


async def set_labels(
    *, session: AsyncSession, actor: User, product_id: int, data: LabelsUpdate
) -> LabelsPublic:
    product = await catalog.get_product(session=session, product_id=product_id, viewer=actor)
    await catalog.check_member(session=session, user=actor, shop_id=product.shop_id)
    label = await session.get(ProductLabel, product_id)
    tags = sorted({t.lower() for t in data.tags})
    if label is None:
        label = ProductLabel(product_id=product_id, category=data.category or None, tags=tags)
        session.add(label)
    else:
        label.category = data.category or None
        label.tags = tags
    await session.flush()
    return LabelsPublic(product_id=product_id, category=label.category, tags=label.tags)


async def record_view(*, session: AsyncSession, user: User, data: ViewIn) -> None:
    if (data.product_id is None) == (data.show_id is None):
        raise Problem(422, "one_target", "Give exactly one of product_id and show_id.")
    if data.product_id is not None:
        await catalog.get_product(session=session, product_id=data.product_id, viewer=user)
    elif await session.get(Show, data.show_id) is None:
        raise not_found("show", data.show_id)
    last = (
        await session.execute(
            select(Interaction)
            .where(Interaction.user_id == user.id)
            .order_by(Interaction.at.desc())
            .limit(1)
        )
    ).scalar_one_or_none()
    now = utcnow()
    if (
        last is not None
        and (last.product_id, last.show_id) == (data.product_id, data.show_id)
        and now - last.at < VIEW_REPEAT
    ):
        last.at = now  # a reload or a re-render is the same look, not another row
    else:
        session.add(
            Interaction(user_id=user.id, product_id=data.product_id, show_id=data.show_id, at=now)
        )
    await session.flush()


async def feed_page(
    *,
    session: AsyncSession,
    user: User | None,
    market: str,
    limit: int,
    offset: int,
    trending_ttl: float = 0,
) -> FeedPublic:
    items = await feeds.feed(
        session=session,
        user=user,
        market=market,
        limit=FEED_MAX,
        trending_ttl=trending_ttl,
    )
    page = items[offset : offset + limit]
    product_ids = [i.id for i in page if i.kind == "product"]
    products = {p.id: p for p in await engine.load_products(session=session, ids=product_ids)}
    show_ids = [i.id for i in page if i.kind == "show"]
    shows = {
        s.id: _show_hit(s, u)
        for s, u in (
            (
                await session.execute(
                    select(Show, User)
                    .join(User, User.id == Show.host_id)
                    .where(Show.id.in_(show_ids))
                )
            ).all()
            if show_ids
            else []
        )
    }
    out = [
        FeedItemPublic(
            kind=i.kind,
            id=i.id,
            reason=_(i.reason, **i.values),
            signal=i.signal,
            shop_id=i.shop_id,
            product=product_public(products[i.id]) if i.kind == "product" else None,
            show=shows.get(i.id) if i.kind == "show" else None,
        )
        for i in page
        if (i.kind == "product" and i.id in products) or (i.kind == "show" and i.id in shows)
    ]
    more = offset + limit < len(items)
    return FeedPublic(market=market, items=out, next_offset=offset + limit if more else None)


async def live_now(*, session: AsyncSession, market: str, limit: int) -> list[ShowHit]:
    rows = (
        await session.execute(
            select(Show, User)
            .join(User, User.id == Show.host_id)
            .where(Show.status == ShowStatus.live.value)
            .order_by(Show.went_live_at.desc())
            .limit(limit * 3)
        )
    ).all()
    hits = [_show_hit(s, u) for s, u in rows if not s.markets or market in s.markets]
    return hits[:limit]


async def catalog_search(
    *,
    session: AsyncSession,
    q: str,
    shop_id: int | None,
    market: str | None,
    min_price: int | None,
    max_price: int | None,
    limit: int,
    offset: int,
) -> tuple[list[int], int]:
    """The catalog's `/products?q=` through discovery: same parameters and page shape, ranked."""
    filters = engine.Filters(
        market=market, min_price=min_price, max_price=max_price, shop_id=shop_id
    )
    found = await engine.search(
        session=session, q=q, filters=filters, limit=limit, offset=offset, with_facets=False
    )
    return [h.product_id for h in found.hits], found.total
