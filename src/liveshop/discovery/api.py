from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from liveshop.accounts.deps import CurrentUser, OptionalUser
from liveshop.deps import IdPath, Uow, settings_of
from liveshop.discovery import service
from liveshop.discovery.schemas import (
    EverythingPublic,
    FeedPublic,
    LabelsPublic,
    LabelsUpdate,
    ProductSearchPublic,
    ShowHit,
    SuggestPublic,
    ViewIn,
)
from liveshop.discovery.search import Filters
from liveshop.settings import Settings

router = APIRouter(tags=["discovery"])
MarketQuery = Annotated[str | None, Query(pattern=r"^(UK|DE|FR|IT|ES|US|ID)$")]
PriceQuery = Annotated[int | None, Query(ge=0, le=10**12)]
Text = Annotated[str | None, Query(max_length=100)]
Word = Annotated[str | None, Query(max_length=60)]
Limit = Annotated[int, Query(ge=1, le=50)]


def _filters(
    market: MarketQuery = None,
    min_price: PriceQuery = None,
    max_price: PriceQuery = None,
    in_stock: bool = False,
    shop_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    category: Word = None,
    tag: Word = None,
    live_now: bool = False,
) -> Filters:
    return Filters(
        market=market,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        shop_id=shop_id,
        category=category,
        tag=tag,
        live_now=live_now,
    )


@router.get("/search/products")
async def search_products(
    uow: Uow,
    q: Text = None,
    market: MarketQuery = None,
    min_price: PriceQuery = None,
    max_price: PriceQuery = None,
    in_stock: bool = False,
    shop_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    category: Word = None,
    tag: Word = None,
    live_now: bool = False,
    facets: bool = True,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> ProductSearchPublic:
    """Ranked product search with typo tolerance, prefixes, synonyms, filters and facets."""
    filters = _filters(market, min_price, max_price, in_stock, shop_id, category, tag, live_now)
    return await service.search_products(
        session=uow.session, q=q, filters=filters, limit=limit, offset=offset, with_facets=facets
    )


@router.get("/search")
async def search_everything(
    uow: Uow,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    market: MarketQuery = None,
    limit: Annotated[int, Query(ge=1, le=20)] = 10,
) -> EverythingPublic:
    """Products, shows (live, upcoming, replays), creators and shops matching `q`."""
    return await service.search_everything(
        session=uow.session, q=q, filters=Filters(market=market), limit=limit
    )


@router.get("/search/suggest")
async def suggest(
    uow: Uow,
    q: Annotated[str, Query(min_length=1, max_length=100)],
    market: MarketQuery = None,
) -> SuggestPublic:
    """Suggestions as a person types: the last word counts as a prefix."""
    return await service.suggest(session=uow.session, q=q, market=market)


@router.put("/products/{product_id}/labels")
async def set_labels(
    product_id: IdPath, data: LabelsUpdate, user: CurrentUser, uow: Uow
) -> LabelsPublic:
    """A product's category and tags, for search filters and facets (its shop's sellers)."""
    labels = await service.set_labels(
        session=uow.session, actor=user, product_id=product_id, data=data
    )
    await uow.commit()
    return labels


@router.post("/me/views", status_code=status.HTTP_204_NO_CONTENT)
async def record_view(data: ViewIn, user: CurrentUser, uow: Uow) -> None:
    """The signed-in buyer looked at a product or watched a show (feeds "recently viewed")."""
    await service.record_view(session=uow.session, user=user, data=data)
    await uow.commit()


@router.get("/feed")
async def feed(
    uow: Uow,
    user: OptionalUser,
    settings: Annotated[Settings, Depends(settings_of)],
    market: MarketQuery = None,
    limit: Limit = 20,
    offset: Annotated[int, Query(ge=0, le=service.FEED_MAX)] = 0,
) -> FeedPublic:
    """The "For you" feed; each item says why it is there."""
    chosen = market or (user.market_code if user else "UK")
    return await service.feed_page(
        session=uow.session,
        user=user,
        market=chosen,
        limit=limit,
        offset=offset,
        trending_ttl=settings.discovery_trending_seconds,
    )


@router.get("/feed/live")
async def live_now(
    uow: Uow, user: OptionalUser, market: MarketQuery = None, limit: Limit = 12
) -> list[ShowHit]:
    chosen = market or (user.market_code if user else "UK")
    return await service.live_now(session=uow.session, market=chosen, limit=limit)
