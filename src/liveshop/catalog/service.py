"""Catalog: shops, members, products, variants and per-market prices."""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop.accounts.models import Role, User
from liveshop.catalog.models import (
    Product,
    ProductStatus,
    Shop,
    ShopMember,
    Variant,
    VariantPrice,
    Verification,
)
from liveshop.catalog.schemas import (
    PriceIn,
    ProductCreate,
    ProductUpdate,
    ShopCreate,
    ShopUpdate,
    VariantIn,
    VariantUpdate,
)
from liveshop.errors import Problem, forbidden, not_found
from liveshop.markets.models import Market
from liveshop.markets.seed import CURRENCIES

_PRODUCT_LOAD = (selectinload(Product.variants).selectinload(Variant.prices),)

# A ranked full-text search the app may plug in (discovery sits above the catalog and registers
# one at start, see wiring.py): keyword arguments as `list_products`, returns one page of
# product ids in rank order and the total. Without one, `q` is a plain substring match.
TextSearch = Callable[..., Awaitable[tuple[list[int], int]]]
_text_search: TextSearch | None = None


def use_text_search(search: TextSearch | None) -> None:
    global _text_search  # one process-wide plug, set at start-up
    _text_search = search


# --- shops -----------------------------------------------------------------------------


async def get_shop(*, session: AsyncSession, shop_id: int) -> Shop:
    shop = await session.get(Shop, shop_id)
    if shop is None:
        raise not_found("shop", shop_id)
    return shop


async def get_shop_by_slug(*, session: AsyncSession, slug: str) -> Shop:
    shop = (await session.execute(select(Shop).where(Shop.slug == slug))).scalar_one_or_none()
    if shop is None:
        raise not_found("shop", slug)
    return shop


async def list_shops(*, session: AsyncSession, limit: int, offset: int) -> tuple[list[Shop], int]:
    total = (await session.execute(select(func.count()).select_from(Shop))).scalar_one()
    rows = await session.execute(select(Shop).order_by(Shop.id).limit(limit).offset(offset))
    return list(rows.scalars()), total


async def is_member(*, session: AsyncSession, user: User, shop_id: int) -> bool:
    stmt = select(ShopMember.id).where(ShopMember.shop_id == shop_id, ShopMember.user_id == user.id)
    return (await session.execute(stmt)).first() is not None


async def shop_ids_of(*, session: AsyncSession, user: User) -> list[int]:
    rows = await session.execute(select(ShopMember.shop_id).where(ShopMember.user_id == user.id))
    return list(rows.scalars())


async def check_member(*, session: AsyncSession, user: User, shop_id: int) -> Shop:
    """The caller must sell for this shop (admins may act on any)."""
    shop = await get_shop(session=session, shop_id=shop_id)
    if not user.has_role(Role.admin) and not await is_member(
        session=session, user=user, shop_id=shop_id
    ):
        raise forbidden("You do not sell for this shop.")
    return shop


async def create_shop(*, session: AsyncSession, owner: User, data: ShopCreate) -> Shop:
    slug = data.slug or re.sub(r"[^a-z0-9]+", "-", data.name.lower()).strip("-")[:50] or "shop"
    if (await session.execute(select(Shop.id).where(Shop.slug == slug))).first():
        if data.slug:
            raise Problem(
                409, "slug_taken", "The shop address '{slug}' is taken.", values={"slug": slug}
            )
        slug = f"{slug}-{secrets.token_hex(2)}"
    shop = Shop(slug=slug, name=data.name, description=data.description, market_code=data.market)
    session.add(shop)
    await session.flush()
    session.add(ShopMember(shop_id=shop.id, user_id=owner.id, role="owner"))
    if not owner.has_role(Role.seller):
        owner.roles = sorted({*owner.roles, Role.seller.value})
    await session.flush()
    return shop


async def update_shop(
    *, session: AsyncSession, actor: User, shop_id: int, data: ShopUpdate
) -> Shop:
    shop = await check_member(session=session, user=actor, shop_id=shop_id)
    for field in data.model_fields_set:
        setattr(shop, field, getattr(data, field))
    await session.flush()
    return shop


async def verify_shop(
    *, session: AsyncSession, actor: User, shop_id: int, verification: str
) -> Shop:
    if not actor.has_role(Role.admin):
        raise forbidden("Only admins verify shops.")
    shop = await get_shop(session=session, shop_id=shop_id)
    shop.verification = verification
    await session.flush()
    return shop


async def check_verified(*, session: AsyncSession, shop: Shop) -> None:
    """A shop goes live and sells only once an operator verified it, where its market asks."""
    if shop.verification == Verification.verified:
        return
    market = await session.get(Market, shop.market_code)
    if market is not None and not market.requires_verified_shops:
        return
    detail = (
        "{name} was refused verification; until the platform verifies it, it cannot go live"
        " or sell."
        if shop.verification == Verification.rejected
        else "{name} is waiting for verification; until the platform verifies it, it cannot go"
        " live or sell."
    )
    raise Problem(
        403,
        "shop_not_verified",
        detail,
        values={"name": shop.name},
        shop_id=shop.id,
        verification=shop.verification,
    )


# --- products --------------------------------------------------------------------------


async def _markets(session: AsyncSession) -> dict[str, Market]:
    return {m.code: m for m in (await session.execute(select(Market))).scalars()}


def _check_prices(prices: list[PriceIn], markets: dict[str, Market]) -> None:
    for price in prices:
        if price.currency not in CURRENCIES:
            raise Problem(
                422,
                "unknown_currency",
                "{currency} is not a currency we sell in.",
                values={"currency": price.currency},
            )
        expected = markets[price.market].currency
        if price.currency != expected:
            raise Problem(
                422,
                "currency_mismatch",
                "Prices in market {market} must be in {expected}, not {currency}.",
                values={"market": price.market, "expected": expected, "currency": price.currency},
            )
        if price.compare_at is not None and price.compare_at < price.amount:
            raise Problem(422, "compare_at_below_price", "compare_at must be at least the price.")


def _price_rows(prices: list[PriceIn]) -> list[VariantPrice]:
    return [
        VariantPrice(
            market_code=p.market, currency=p.currency, amount=p.amount, compare_at=p.compare_at
        )
        for p in prices
    ]


async def _check_skus_free(session: AsyncSession, shop_id: int, skus: list[str]) -> None:
    if len(set(skus)) != len(skus):
        raise Problem(409, "sku_taken", "Each variant needs its own SKU.")
    stmt = select(Variant.sku).where(Variant.shop_id == shop_id, Variant.sku.in_(skus))
    taken = list((await session.execute(stmt)).scalars())
    if taken:
        raise Problem(
            409, "sku_taken", "SKU {sku} is already used in this shop.", values={"sku": taken[0]}
        )


def _new_variant(shop_id: int, data: VariantIn) -> Variant:
    return Variant(
        shop_id=shop_id,
        sku=data.sku,
        option_values=list(data.option_values),
        weight_grams=data.weight_grams,
        stock=data.stock,
        held=0,
        prices=_price_rows(data.prices),
    )


def _check_options(options: list[str], variants: list[VariantIn]) -> None:
    for v in variants:
        if len(v.option_values) != len(options):
            raise Problem(
                422,
                "option_mismatch",
                "Variant {sku} has {value} option values for {value2} options.",
                values={"sku": v.sku, "value": len(v.option_values), "value2": len(options)},
            )
    combos = [tuple(v.option_values) for v in variants]
    if len(set(combos)) != len(combos):
        raise Problem(422, "duplicate_variant", "Two variants have the same option values.")


async def create_product(
    *, session: AsyncSession, actor: User, shop_id: int, data: ProductCreate
) -> Product:
    await check_member(session=session, user=actor, shop_id=shop_id)
    markets = await _markets(session)
    _check_options(data.options, data.variants)
    for v in data.variants:
        _check_prices(v.prices, markets)
    await _check_skus_free(session, shop_id, [v.sku for v in data.variants])
    product = Product(
        shop_id=shop_id,
        title=data.title,
        description=data.description,
        status=data.status,
        options=list(data.options),
        images=list(data.images),
        max_per_buyer=data.max_per_buyer,
        variants=[_new_variant(shop_id, v) for v in data.variants],
    )
    session.add(product)
    await session.flush()
    return await get_product(session=session, product_id=product.id, viewer=actor)


async def get_product(*, session: AsyncSession, product_id: int, viewer: User | None) -> Product:
    """Active products are public; drafts and archived ones only to the shop's sellers."""
    stmt = select(Product).where(Product.id == product_id).options(*_PRODUCT_LOAD)
    product = (
        await session.execute(stmt.execution_options(populate_existing=True))
    ).scalar_one_or_none()
    if product is None:
        raise not_found("product", product_id)
    if product.status != ProductStatus.active and not await _can_see_unlisted(
        session, viewer, product
    ):
        raise not_found("product", product_id)
    return product


async def _can_see_unlisted(session: AsyncSession, viewer: User | None, product: Product) -> bool:
    if viewer is None:
        return False
    return viewer.has_role(Role.admin) or await is_member(
        session=session, user=viewer, shop_id=product.shop_id
    )


async def list_products(
    *,
    session: AsyncSession,
    limit: int,
    offset: int,
    q: str | None = None,
    shop_id: int | None = None,
    market: str | None = None,
    status: str | None = None,
    min_price: int | None = None,
    max_price: int | None = None,
    seller_view: bool = False,
) -> tuple[list[Product], int]:
    """Public listing shows active products; `seller_view` (already authorized) shows any status."""
    if q and q.strip() and not seller_view and _text_search is not None:
        ids, total = await _text_search(
            session=session,
            q=q,
            shop_id=shop_id,
            market=market,
            min_price=min_price,
            max_price=max_price,
            limit=limit,
            offset=offset,
        )
        found = await session.execute(
            select(Product).where(Product.id.in_(ids)).options(*_PRODUCT_LOAD)
        )
        by_id = {p.id: p for p in found.scalars()}
        return [by_id[i] for i in ids if i in by_id], total
    cond = []
    if not seller_view:
        cond.append(Product.status == ProductStatus.active.value)
    elif status:
        cond.append(Product.status == status)
    if shop_id is not None:
        cond.append(Product.shop_id == shop_id)
    if q:
        # autoescape: a shopper's "%" or "_" is a character, not a wildcard.
        words = q.lower()
        cond.append(
            or_(
                func.lower(Product.title).contains(words, autoescape=True),
                func.lower(Product.description).contains(words, autoescape=True),
            )
        )
    if market or min_price is not None or max_price is not None:
        priced = select(Variant.product_id).join(VariantPrice)
        if market:
            priced = priced.where(VariantPrice.market_code == market)
        if min_price is not None:
            priced = priced.where(VariantPrice.amount >= min_price)
        if max_price is not None:
            priced = priced.where(VariantPrice.amount <= max_price)
        cond.append(Product.id.in_(priced))
    total = (
        await session.execute(select(func.count()).select_from(Product).where(*cond))
    ).scalar_one()
    stmt = select(Product).where(*cond).options(*_PRODUCT_LOAD).order_by(Product.id.desc())
    rows = await session.execute(stmt.limit(limit).offset(offset))
    return list(rows.scalars()), total


async def update_product(
    *, session: AsyncSession, actor: User, product_id: int, data: ProductUpdate
) -> Product:
    product = await get_product(session=session, product_id=product_id, viewer=actor)
    await check_member(session=session, user=actor, shop_id=product.shop_id)
    for field in data.model_fields_set:
        value = getattr(data, field)
        if value is not None or field == "max_per_buyer":  # null lifts the limit
            setattr(product, field, value)
    await session.flush()
    return await get_product(session=session, product_id=product_id, viewer=actor)


async def add_variant(
    *, session: AsyncSession, actor: User, product_id: int, data: VariantIn
) -> Product:
    product = await get_product(session=session, product_id=product_id, viewer=actor)
    await check_member(session=session, user=actor, shop_id=product.shop_id)
    _check_options(product.options, [data])
    existing = {tuple(v.option_values) for v in product.variants}
    if tuple(data.option_values) in existing:
        raise Problem(422, "duplicate_variant", "A variant with these option values exists.")
    _check_prices(data.prices, await _markets(session))
    await _check_skus_free(session, product.shop_id, [data.sku])
    product.variants.append(_new_variant(product.shop_id, data))
    await session.flush()
    return await get_product(session=session, product_id=product_id, viewer=actor)


async def get_variant(*, session: AsyncSession, variant_id: int) -> Variant:
    stmt = (
        select(Variant)
        .where(Variant.id == variant_id)
        .options(selectinload(Variant.prices), selectinload(Variant.product))
        .execution_options(populate_existing=True)
    )
    variant = (await session.execute(stmt)).scalar_one_or_none()
    if variant is None:
        raise not_found("variant", variant_id)
    return variant


async def update_variant(
    *, session: AsyncSession, actor: User, variant_id: int, data: VariantUpdate
) -> Product:
    variant = await get_variant(session=session, variant_id=variant_id)
    await check_member(session=session, user=actor, shop_id=variant.shop_id)
    if data.stock is not None:
        await session.refresh(variant, ["stock", "held"])
        if variant.track_stock and data.stock < variant.held:
            raise Problem(
                409,
                "stock_below_held",
                "{held} units are held by open checkouts; stock cannot go below that.",
                values={"held": variant.held},
            )
        variant.stock = data.stock
    if data.weight_grams is not None:
        variant.weight_grams = data.weight_grams
    if data.prices is not None:
        _check_prices(data.prices, await _markets(session))
        variant.prices.clear()
        await session.flush()
        variant.prices.extend(_price_rows(data.prices))
    await session.flush()
    return await get_product(session=session, product_id=variant.product_id, viewer=actor)


async def check_shop_exists(session: AsyncSession, shop_id: int) -> None:
    """The follow check accounts run for a shop (registered in liveshop.wiring)."""
    if await session.get(Shop, shop_id) is None:
        raise not_found("shop", shop_id)
