"""Keeping the search documents in step with the catalog, inside the same transaction.

The catalog does not know discovery exists (it is two layers down). Instead an ORM `after_flush`
listener notes which products a flush touched and queues one `ProductsChanged` message on the
session; the unit of work publishes it just before it commits (`bus.collect`), and
`on_products_changed` rewrites their documents on the same session. So a product edited in a
request is found by its new title by the next request, and a rolled-back edit leaves no trace.

Stock moved by orders with plain UPDATEs (holds, payments, cancellations) reaches us through
`OrderChanged`; sales through `OrderPaid`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, event, exists, func, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session, selectinload

from liveshop import bus
from liveshop.catalog.models import Product, ProductStatus, Shop, Variant, VariantPrice
from liveshop.discovery import feed
from liveshop.discovery.models import (
    ProductLabel,
    Purchase,
    SearchDoc,
    SearchPrice,
    SearchTag,
    SearchWord,
)
from liveshop.discovery.text import MARKET_LANG, index_terms, words
from liveshop.orders.messages import OrderChanged, OrderPaid
from liveshop.orders.models import Order, OrderLine

_DIRTY = "discovery.dirty"


@dataclass(frozen=True, slots=True)
class ProductsChanged:
    """Queued on a session whose flushes touched products; carries nothing, the ids wait in
    `session.info` so that many flushes make one message."""


def _note_flush(session: Session, _ctx: Any) -> None:
    products: set[int] = set()
    variants: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Product) and obj.id is not None:
            products.add(obj.id)
        elif isinstance(obj, Variant) and obj.product_id is not None:
            products.add(obj.product_id)
        elif isinstance(obj, VariantPrice) and obj.variant_id is not None:
            variants.add(obj.variant_id)
        elif isinstance(obj, ProductLabel):
            products.add(obj.product_id)
    if not products and not variants:
        return
    dirty = session.info.get(_DIRTY)
    if dirty is None:
        dirty = session.info[_DIRTY] = (set[int](), set[int]())
        session.info.setdefault(bus.PENDING, []).append(ProductsChanged())
    dirty[0].update(products)
    dirty[1].update(variants)


def install() -> None:
    """Listen to every ORM session's flushes (idempotent)."""
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)


async def on_products_changed(session: AsyncSession, _msg: ProductsChanged) -> None:
    dirty: tuple[set[int], set[int]] | None = session.info.pop(_DIRTY, None)
    if dirty is None:
        return
    products, variants = dirty
    if variants:
        rows = await session.execute(select(Variant.product_id).where(Variant.id.in_(variants)))
        products.update(rows.scalars())
    await reindex(session=session, product_ids=sorted(products))


def _insert(session: AsyncSession) -> Any:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


async def reindex(*, session: AsyncSession, product_ids: Iterable[int]) -> None:
    """Rewrite the search documents of these products (deleted products lose theirs)."""
    ids = list(product_ids)
    for start in range(0, len(ids), 500):
        await _reindex_chunk(session, ids[start : start + 500])
    if ids:
        feed.forget_trending()  # the cached new arrivals and trending lists may change


async def _reindex_chunk(session: AsyncSession, ids: list[int]) -> None:
    if not ids:
        return
    stmt = (
        select(Product, Shop.market_code)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Product.id.in_(ids))
        .options(selectinload(Product.variants).selectinload(Variant.prices))
        .execution_options(populate_existing=True)
    )
    found = (await session.execute(stmt)).all()
    labels = {
        label.product_id: label
        for label in (
            await session.execute(select(ProductLabel).where(ProductLabel.product_id.in_(ids)))
        ).scalars()
    }
    await session.execute(delete(SearchTag).where(SearchTag.product_id.in_(ids)))
    await session.execute(delete(SearchPrice).where(SearchPrice.product_id.in_(ids)))
    gone = set(ids) - {p.id for p, _m in found}
    if gone:
        await session.execute(delete(SearchDoc).where(SearchDoc.product_id.in_(gone)))
    vocabulary: set[str] = set()
    for product, market in found:
        label = labels.get(product.id)
        doc = await session.get(SearchDoc, product.id)
        lang = MARKET_LANG.get(market, "en")
        tags = sorted({t.strip().lower()[:40] for t in (label.tags if label else []) if t.strip()})
        category = label.category if label else None
        extra = " ".join([category or "", *tags])
        values = {
            "shop_id": product.shop_id,
            "lang": lang,
            "title_terms": " ".join(index_terms(product.title, lang)),
            "body_terms": " ".join(index_terms(f"{product.description} {extra}", lang)),
            "category": category,
            "listed": product.status == ProductStatus.active.value,
            "in_stock": any(v.sellable for v in product.variants),
        }
        if doc is None:
            session.add(SearchDoc(product_id=product.id, created_at=product.created_at, **values))
        else:
            for key, value in values.items():
                setattr(doc, key, value)
        cheapest: dict[str, int] = {}
        for variant in product.variants:
            for price in variant.prices:
                cheapest[price.market_code] = min(
                    cheapest.get(price.market_code, price.amount), price.amount
                )
        await session.flush()
        if cheapest:
            await session.execute(
                insert(SearchPrice),
                [
                    {"product_id": product.id, "market_code": m, "amount": a}
                    for m, a in cheapest.items()
                ],
            )
        if tags:
            await session.execute(
                insert(SearchTag), [{"product_id": product.id, "tag": t} for t in tags]
            )
        vocabulary.update(
            w for w in words(f"{product.title} {product.description} {extra}") if 3 <= len(w) <= 60
        )
    if vocabulary:
        await add_words(session, vocabulary)


async def add_words(session: AsyncSession, vocabulary: Iterable[str]) -> None:
    rows = [{"word": w, "docs": 1} for w in sorted(vocabulary)]
    insert = _insert(session)
    for start in range(0, len(rows), 1000):
        stmt = insert(SearchWord).values(rows[start : start + 1000])
        await session.execute(stmt.on_conflict_do_nothing(index_elements=["word"]))


_IN_STOCK = exists(
    select(Variant.id).where(
        Variant.product_id == SearchDoc.product_id,
        or_(Variant.track_stock.is_(False), Variant.stock - Variant.held > 0),
    )
)


async def on_order_changed(session: AsyncSession, msg: OrderChanged) -> None:
    """Holds and cancellations move stock with plain UPDATEs: refresh `in_stock`."""
    products = select(OrderLine.product_id).where(OrderLine.order_id == msg.order_id)
    # Only rows whose flag flips are written (and locked): a stampede on one product's stock
    # does not queue on its search document while the stock stays above zero.
    await session.execute(
        update(SearchDoc)
        .where(SearchDoc.product_id.in_(products), SearchDoc.in_stock != _IN_STOCK)
        .values(in_stock=_IN_STOCK)
        .execution_options(synchronize_session=False)
    )


async def on_order_paid(session: AsyncSession, msg: OrderPaid) -> None:
    """Record the purchase for the feed and count the sale for ranking."""
    rows = (
        await session.execute(
            select(
                Order.buyer_id,
                Order.market_code,
                OrderLine.product_id,
                func.sum(OrderLine.quantity),
            )
            .join(Order, Order.id == OrderLine.order_id)
            .where(OrderLine.order_id == msg.order_id)
            .group_by(Order.buyer_id, Order.market_code, OrderLine.product_id)
        )
    ).all()
    for buyer_id, market, product_id, quantity in rows:
        session.add(
            Purchase(
                buyer_id=buyer_id,
                product_id=product_id,
                order_id=msg.order_id,
                market_code=market,
                quantity=int(quantity),
            )
        )
        await session.execute(
            update(SearchDoc)
            .where(SearchDoc.product_id == product_id)
            .values(sales=SearchDoc.sales + int(quantity))
            .execution_options(synchronize_session=False)
        )
    await session.flush()
    feed.forget_trending()
