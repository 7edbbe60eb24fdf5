"""Writing parsed Shopify products into the catalog: create, update or leave unchanged.

Products are matched by handle and variants by SKU, so importing the same file twice changes
nothing and a changed file updates in place. Stock goes through `catalog.locks.set_stock`,
which never sets it below the units open checkouts hold.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from babel import Locale
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from liveshop.catalog import locks
from liveshop.catalog.models import Product, Shop, Variant, VariantPrice
from liveshop.integrations.shopify.models import ShopifyRef
from liveshop.integrations.shopify.parse import ParsedProduct, ParsedVariant, RowError
from liveshop.markets.models import Market
from liveshop.markets.money import exponent

Priced = dict[str, tuple[str, int, int | None]]  # market -> (currency, amount, compare-at)
Ids = tuple[int, dict[str, int]]  # product id, variant id by SKU
_ISO = {"UK": "GB"}  # our market code -> ISO 3166 region


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    products: int = 0


@dataclass
class Pricing:
    """The shop's own market, and every market a `Price / <market>` column may name."""

    home: Market
    by_label: dict[str, Market] = field(default_factory=dict)

    @classmethod
    async def load(cls, session: AsyncSession, shop: Shop) -> Pricing:
        markets = list((await session.execute(select(Market))).scalars())
        by_label: dict[str, Market] = {}
        english = Locale("en").territories
        for m in markets:
            by_label[m.code.lower()] = m
            by_label[m.name.lower()] = m
            # Shopify names markets in the admin's language, mostly English: "Germany".
            name = english.get(_ISO.get(m.code, m.code))
            if name:
                by_label[name.lower()] = m
        home = next(m for m in markets if m.code == shop.market_code)
        return cls(home, by_label)


def to_minor(amount: Decimal, currency: str) -> int:
    scaled = amount.scaleb(exponent(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{currency} prices have at most {exponent(currency)} decimals")
    return int(scaled)


def _prices(
    v: ParsedVariant, pricing: Pricing, handle: str, errors: list[RowError]
) -> Priced | None:
    """market -> (currency, amount, compare_at) in minor units; None if the variant is bad."""
    wanted: dict[str, tuple[Market, Decimal, Decimal | None, str]] = {
        pricing.home.code: (pricing.home, v.price, v.compare_at, v.where)
    }
    for label, (price, compare) in v.market_prices.items():
        market = pricing.by_label.get(label.lower())
        if market is None:
            continue  # a Shopify market we do not sell in: the shop's own price stands
        where = (
            f"{v.where.rsplit('.', 1)[0]}.market[{label}]"
            if v.line is None
            else (f"{v.where} / {label}")
        )
        wanted[market.code] = (market, price, compare, where)
    out: dict[str, tuple[str, int, int | None]] = {}
    for code, (market, price, compare, where) in wanted.items():
        try:
            amount = to_minor(price, market.currency)
        except ValueError as exc:
            errors.append(RowError(v.line, where, str(price), str(exc), handle, "variant skipped"))
            return None
        compare_at = None
        if compare is not None and compare != 0:
            try:
                compare_at = to_minor(compare, market.currency)
            except ValueError as exc:
                errors.append(
                    RowError(v.line, where, str(compare), str(exc), handle, "variant skipped")
                )
                return None
            if compare_at < amount:
                why = "the compare-at price is below the price"
                errors.append(
                    RowError(v.line, where, str(compare), why, handle, "compare-at price ignored")
                )
                compare_at = None
        out[code] = (market.currency, amount, compare_at)
    return out


def _product_state(p: ParsedProduct) -> dict[str, Any]:
    return {
        "title": p.title,
        "description": p.description,
        "status": p.status,
        "vendor": p.vendor,
        "product_type": p.product_type,
        "tags": p.tags,
        "gift_card": p.gift_card,
        "options": p.options,
        "images": [im.src for im in p.images],
        "image_alts": [im.alt for im in p.images],
    }


def _variant_state(v: ParsedVariant) -> dict[str, Any]:
    return {
        "option_values": v.option_values,
        "weight_grams": v.grams,
        "barcode": v.barcode,
        "track_stock": v.track_stock,
        "continue_selling": v.continue_selling,
        "image_url": v.image_url,
    }


def _price_row(market: str, currency: str, amount: int, compare_at: int | None) -> VariantPrice:
    return VariantPrice(market_code=market, currency=currency, amount=amount, compare_at=compare_at)


async def apply_batch(
    session: AsyncSession,
    *,
    shop: Shop,
    pricing: Pricing,
    batch: list[ParsedProduct],
    errors: list[RowError],
    counts: Counts,
) -> list[Ids]:
    """Create or update each product of the batch (the caller commits); the rows written."""
    handles = [p.handle for p in batch]
    existing = {
        p.handle: p
        for p in (
            await session.execute(
                select(Product)
                .where(Product.shop_id == shop.id, Product.handle.in_(handles))
                .options(selectinload(Product.variants).selectinload(Variant.prices))
            )
        ).scalars()
    }
    skus = [v.sku for p in batch for v in p.variants]
    owner_of_sku: dict[str, int] = {}
    for start in range(0, len(skus), 500):
        rows = await session.execute(
            select(Variant.sku, Variant.product_id).where(
                Variant.shop_id == shop.id, Variant.sku.in_(skus[start : start + 500])
            )
        )
        owner_of_sku.update({row.sku: row.product_id for row in rows})
    fresh: list[tuple[ParsedProduct, list[tuple[ParsedVariant, Priced]]]] = []
    ids: dict[str, Ids] = {}
    claimed: dict[str, str] = {}  # SKU -> handle, for products of this batch not yet stored
    for parsed in batch:
        current = existing.get(parsed.handle)
        good: list[tuple[ParsedVariant, Priced]] = []
        for v in parsed.variants:
            owner = owner_of_sku.get(v.sku)
            if owner is not None and (current is None or owner != current.id):
                why = f"SKU {v.sku} belongs to another product of this shop (#{owner})"
                errors.append(
                    RowError(v.line, v.sku_where, v.sku, why, parsed.handle, "variant skipped")
                )
                continue
            if claimed.setdefault(v.sku, parsed.handle) != parsed.handle:
                why = f"SKU {v.sku} belongs to another product of this file ({claimed[v.sku]})"
                errors.append(
                    RowError(v.line, v.sku_where, v.sku, why, parsed.handle, "variant skipped")
                )
                continue
            prices = _prices(v, pricing, parsed.handle, errors)
            if prices is not None:
                good.append((v, prices))
        if not good:
            why = "no variant of this product could be imported"
            errors.append(
                RowError(
                    parsed.line, "handle", parsed.handle, why, parsed.handle, "product skipped"
                )
            )
            continue
        counts.products += 1
        if current is None:
            fresh.append((parsed, good))
            counts.created += 1
            continue
        changed = await _update(session, current, parsed, good, errors)
        if changed:
            counts.updated += 1
        else:
            counts.unchanged += 1
        await session.flush()
        ids[parsed.handle] = (current.id, {v.sku: v.id for v in current.variants})
    ids.update(await _insert(session, shop.id, fresh))
    await _remember_ids(session, shop.id, batch, ids)
    return list(ids.values())


async def _insert(
    session: AsyncSession,
    shop_id: int,
    fresh: list[tuple[ParsedProduct, list[tuple[ParsedVariant, Priced]]]],
) -> dict[str, Ids]:
    """New products as three multi-row INSERTs (products, variants, prices), not row by row:
    SQLite cannot batch INSERT … RETURNING in order, so ids are read back by handle and SKU."""
    if not fresh:
        return {}
    await session.execute(
        insert(Product),
        [{"shop_id": shop_id, "handle": p.handle, **_product_state(p)} for p, _good in fresh],
    )
    product_ids = {
        row.handle: row.id
        for row in await session.execute(
            select(Product.id, Product.handle).where(
                Product.shop_id == shop_id, Product.handle.in_([p.handle for p, _g in fresh])
            )
        )
    }
    variants = [
        {
            "product_id": product_ids[p.handle],
            "shop_id": shop_id,
            "sku": v.sku,
            "stock": v.stock,
            "held": 0,
            **_variant_state(v),
        }
        for p, good in fresh
        for v, _prices in good
    ]
    await session.execute(insert(Variant), variants)
    skus = [row["sku"] for row in variants]
    variant_ids: dict[str, int] = {}
    for start in range(0, len(skus), 500):
        rows = await session.execute(
            select(Variant.id, Variant.sku).where(
                Variant.shop_id == shop_id, Variant.sku.in_(skus[start : start + 500])
            )
        )
        variant_ids.update({row.sku: row.id for row in rows})
    await session.execute(
        insert(VariantPrice),
        [
            {
                "variant_id": variant_ids[v.sku],
                "market_code": market,
                "currency": currency,
                "amount": amount,
                "compare_at": compare_at,
            }
            for _p, good in fresh
            for v, prices in good
            for market, (currency, amount, compare_at) in prices.items()
        ],
    )
    return {
        p.handle: (product_ids[p.handle], {v.sku: variant_ids[v.sku] for v, _pr in good})
        for p, good in fresh
    }


async def _update(
    session: AsyncSession,
    product: Product,
    parsed: ParsedProduct,
    good: list[tuple[ParsedVariant, Priced]],
    errors: list[RowError],
) -> bool:
    changed = False
    for name, value in _product_state(parsed).items():
        if getattr(product, name) != value:
            setattr(product, name, value)
            changed = True
    by_sku = {v.sku: v for v in product.variants}
    for v, prices in good:
        variant = by_sku.get(v.sku)
        if variant is None:
            product.variants.append(
                Variant(
                    shop_id=product.shop_id,
                    sku=v.sku,
                    stock=v.stock,
                    held=0,
                    **_variant_state(v),
                    prices=[_price_row(m, *p) for m, p in prices.items()],
                )
            )
            changed = True
            continue
        for name, value in _variant_state(v).items():
            if getattr(variant, name) != value:
                setattr(variant, name, value)
                changed = True
        have = {p.market_code: p for p in variant.prices}
        for market, (currency, amount, compare_at) in prices.items():
            row = have.get(market)
            if row is None:
                variant.prices.append(_price_row(market, currency, amount, compare_at))
                changed = True
            elif (row.currency, row.amount, row.compare_at) != (currency, amount, compare_at):
                row.currency, row.amount, row.compare_at = currency, amount, compare_at
                changed = True
        if v.track_stock and variant.stock != v.stock:
            before = variant.stock
            stored = await locks.set_stock(session, variant_id=variant.id, stock=v.stock)
            await session.refresh(variant, ["stock", "held"])
            if stored != v.stock:
                why = f"{variant.held} units are held by open checkouts; stock cannot go below"
                errors.append(
                    RowError(
                        v.line,
                        v.stock_where,
                        str(v.stock),
                        why,
                        parsed.handle,
                        f"stock set to {stored}",
                    )
                )
            changed = changed or stored != before
    return changed


async def _remember_ids(
    session: AsyncSession, shop_id: int, batch: list[ParsedProduct], ids: dict[str, Ids]
) -> None:
    """Shopify ids from a JSON import, so that later webhooks find their catalog rows."""
    refs: list[tuple[str, int, int]] = []
    for parsed in batch:
        if parsed.handle not in ids:
            continue
        product_id, by_sku = ids[parsed.handle]
        if parsed.shopify_id:
            refs.append(("product", parsed.shopify_id, product_id))
        for v in parsed.variants:
            variant_id = by_sku.get(v.sku)
            if variant_id is None:
                continue
            if v.shopify_id:
                refs.append(("variant", v.shopify_id, variant_id))
            if v.inventory_item_id:
                refs.append(("inventory_item", v.inventory_item_id, variant_id))
    if refs:
        await remember(session, shop_id, refs)


async def remember(session: AsyncSession, shop_id: int, refs: list[tuple[str, int, int]]) -> None:
    known = {
        (r.kind, r.external_id): r
        for r in (
            await session.execute(
                select(ShopifyRef).where(
                    ShopifyRef.shop_id == shop_id,
                    ShopifyRef.external_id.in_([e for _k, e, _l in refs]),
                )
            )
        ).scalars()
    }
    for kind, external, local in refs:
        ref = known.get((kind, external))
        if ref is None:
            ref = ShopifyRef(shop_id=shop_id, kind=kind, external_id=external, local_id=local)
            session.add(ref)
            known[(kind, external)] = ref
        else:
            ref.local_id = local
    await session.flush()
