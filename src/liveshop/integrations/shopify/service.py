"""Shopify import runs and incoming webhooks."""

from __future__ import annotations

import base64
import csv
import hashlib
import hmac
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from liveshop.accounts.models import User
from liveshop.broker import Broker
from liveshop.catalog import locks
from liveshop.catalog import service as catalog
from liveshop.catalog.models import Product, ProductStatus, Shop, Variant
from liveshop.db import Database, utcnow
from liveshop.errors import Problem, not_found
from liveshop.integrations.shopify.apply import Counts, Pricing, apply_batch
from liveshop.integrations.shopify.models import (
    ShopifyImport,
    ShopifyLink,
    ShopifyReceipt,
    ShopifyRef,
)
from liveshop.integrations.shopify.parse import (
    CURRENT,
    DIALECT_LABELS,
    JSON_DIALECT,
    MAX_STOCK,
    Bad,
    CsvReader,
    ParsedProduct,
    RowError,
)
from liveshop.integrations.shopify.parse_json import JsonReader
from liveshop.uow import UnitOfWork

BATCH = 200  # products written per transaction: bounded memory, and progress to show
KEPT_ERRORS = 1000  # report entries kept; the count covers them all
# A JSON document is parsed whole (about ten times its size in memory); Shopify's REST API
# pages at 250 products, far below this. Large catalogs come as CSV, which streams.
MAX_JSON_BYTES = 8 * 1024 * 1024
RECEIPT_DAYS = 7  # Shopify retries a delivery for 48 hours; duplicates older than this are moot
Progress = Callable[[int, int], None]  # (rows read, bytes read)


class ByteLines:
    """Text lines of a binary file, counting the bytes read (for a progress bar)."""

    def __init__(self, binary: IO[bytes]) -> None:
        self._binary = binary
        self.bytes = 0

    def __iter__(self) -> Iterator[str]:
        for raw in self._binary:
            self.bytes += len(raw)
            if b"\x00" in raw:  # no text column may hold it, and PostgreSQL refuses it
                raise csv.Error("line contains a NUL character")
            yield raw.decode("utf-8", errors="replace")


@dataclass
class Opened:
    """A file ready to import: its reader and the dialect it was detected as."""

    dialect: str
    reader: CsvReader | JsonReader
    lines: ByteLines | None


def open_file(binary: IO[bytes], filename: str) -> Opened:
    """Detect the dialect: JSON by its first character, CSV by its header row."""
    head = binary.read(1024)
    binary.seek(0)
    if head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{") or filename.lower().endswith(".json"):
        binary.seek(0, 2)
        if binary.tell() > MAX_JSON_BYTES:
            raise Problem(
                413,
                "json_too_large",
                "A products JSON file may be up to {value} MB; export larger catalogs as CSV, "
                "which is read as a stream.",
                values={"value": MAX_JSON_BYTES // 1024 // 1024},
            )
        binary.seek(0)
        content = binary.read()
        if b"\\u0000" in content:  # PostgreSQL refuses NUL in text; no product field has one
            raise Problem(422, "bad_json", "The file contains a NUL character (\\u0000).")
        try:
            document = json.loads(content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise Problem(
                422, "bad_json", "The file is not valid JSON: {exc}", values={"exc": exc}
            ) from None
        try:
            return Opened(JSON_DIALECT, JsonReader(document), None)
        except Bad as exc:
            raise Problem(422, "unknown_dialect", str(exc)) from None
    lines = ByteLines(binary)
    reader = CsvReader(lines)
    try:
        layout = reader.read_header()
    except Exception as exc:  # the csv module's Error on a broken header line
        raise Problem(
            422, "bad_csv", "The header row cannot be read: {exc}", values={"exc": exc}
        ) from None
    if layout is None:
        raise Problem(
            422,
            "unknown_dialect",
            "This is not a Shopify product file: its header has neither 'URL handle' (current"
            " export) nor 'Handle' with 'Variant SKU' (legacy export).",
        )
    return Opened(layout.dialect, reader, lines)


async def check_can_import(*, session: AsyncSession, actor: User | None, shop_id: int) -> Shop:
    """Sellers of the shop import into it; `actor=None` is the operator's CLI."""
    if actor is None:
        return await catalog.get_shop(session=session, shop_id=shop_id)
    return await catalog.check_member(session=session, user=actor, shop_id=shop_id)


def _keep(kept: list[dict[str, Any]], errors: list[RowError], total: int) -> int:
    for e in errors:
        if len(kept) < KEPT_ERRORS:
            kept.append(e.as_dict())
    total += len(errors)
    errors.clear()
    return total


async def start_import(
    *,
    db: Database,
    broker: Broker,
    actor: User | None,
    shop_id: int,
    opened: Opened,
    filename: str,
    total_bytes: int = 0,
) -> ShopifyImport:
    """Check the right to import and record a run, status "running"; nothing imported yet."""
    async with UnitOfWork(db=db, broker=broker) as uow:
        await check_can_import(session=uow.session, actor=actor, shop_id=shop_id)
        run = ShopifyImport(
            shop_id=shop_id,
            user_id=actor.id if actor else None,
            filename=filename[:255],
            dialect=opened.dialect,
            total_bytes=total_bytes,
            errors=[],
        )
        uow.session.add(run)
        await uow.commit()
    return run


async def run_import(
    *,
    db: Database,
    broker: Broker,
    actor: User | None,
    shop_id: int,
    opened: Opened,
    filename: str,
    progress: Progress | None = None,
    total_bytes: int = 0,
) -> ShopifyImport:
    """Import a whole file, a batch of products per transaction; the finished report."""
    run = await start_import(
        db=db,
        broker=broker,
        actor=actor,
        shop_id=shop_id,
        opened=opened,
        filename=filename,
        total_bytes=total_bytes,
    )
    return await continue_import(
        db=db, broker=broker, run_id=run.id, shop_id=shop_id, opened=opened, progress=progress
    )


async def continue_import(
    *,
    db: Database,
    broker: Broker,
    run_id: int,
    shop_id: int,
    opened: Opened,
    progress: Progress | None = None,
) -> ShopifyImport:
    """Import the file of a started run. Each batch's transaction also records how far the
    run got (rows done, bytes read), which the import page polls for its progress bar."""
    counts = Counts()
    kept: list[dict[str, Any]] = []
    total_errors = 0
    reader = opened.reader

    def read() -> int:
        return opened.lines.bytes if opened.lines else 0

    apply_errors: list[RowError] = []
    status = "failed"
    try:
        batch: list[ParsedProduct] = []
        for product in reader.products():
            batch.append(product)
            if len(batch) >= BATCH:
                await _write(
                    db, broker, shop_id, batch, apply_errors, counts, (run_id, reader.rows, read())
                )
                batch = []
                total_errors = _keep(kept, reader.errors, total_errors)
                total_errors = _keep(kept, apply_errors, total_errors)
                if progress:
                    progress(reader.rows, read())
        if batch:
            await _write(db, broker, shop_id, batch, apply_errors, counts, None)
        status = "done"
    except csv.Error as exc:  # a broken CSV line: what came before stays imported
        why = f"the file could not be read further: {exc}"
        reader.errors.append(RowError(None, "", "", why, "", "import stopped"))
        status = "done"
    finally:
        total_errors = _keep(kept, reader.errors, total_errors)
        total_errors = _keep(kept, apply_errors, total_errors)
        kept.sort(key=lambda e: (e["line"] is None, e["line"] or 0))
        if progress:
            progress(reader.rows, read())
        async with UnitOfWork(db=db, broker=broker) as uow:
            done = await uow.session.get(ShopifyImport, run_id)
            assert done is not None
            done.status = status
            done.rows = reader.rows
            done.bytes_read = done.total_bytes if opened.lines is None else read()
            done.products = counts.products
            done.created, done.updated, done.unchanged = (
                counts.created,
                counts.updated,
                counts.unchanged,
            )
            done.error_count = total_errors
            done.errors = kept
            done.finished_at = utcnow()
            await uow.commit()
    return done


async def _write(
    db: Database,
    broker: Broker,
    shop_id: int,
    batch: list[ParsedProduct],
    errors: list[RowError],
    counts: Counts,
    reached: tuple[int, int, int] | None,
) -> None:
    """One batch in one transaction, with the run's progress (run id, rows, bytes) if given."""
    async with UnitOfWork(db=db, broker=broker) as uow:
        shop = await catalog.get_shop(session=uow.session, shop_id=shop_id)
        pricing = await Pricing.load(uow.session, shop)
        await apply_batch(
            uow.session, shop=shop, pricing=pricing, batch=batch, errors=errors, counts=counts
        )
        if reached is not None:
            run_id, rows, read = reached
            await uow.session.execute(
                update(ShopifyImport)
                .where(ShopifyImport.id == run_id)
                .values(rows=rows, bytes_read=read, products=counts.products)
            )
        await uow.commit()


async def get_import(*, session: AsyncSession, actor: User, import_id: int) -> ShopifyImport:
    run = await session.get(ShopifyImport, import_id)
    if run is None:
        raise not_found("import", import_id)
    await catalog.check_member(session=session, user=actor, shop_id=run.shop_id)
    return run


# --- the Shopify store link and its webhooks ---------------------------------------------------


async def connect(
    *, session: AsyncSession, actor: User, shop_id: int, store_domain: str, secret: str
) -> ShopifyLink:
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    link = await session.get(ShopifyLink, shop_id)
    if link is None:
        link = ShopifyLink(shop_id=shop_id, store_domain=store_domain, webhook_secret=secret)
        session.add(link)
    else:
        link.store_domain, link.webhook_secret = store_domain, secret
    await session.flush()
    return link


async def get_link(*, session: AsyncSession, actor: User, shop_id: int) -> ShopifyLink:
    await catalog.check_member(session=session, user=actor, shop_id=shop_id)
    link = await session.get(ShopifyLink, shop_id)
    if link is None:
        raise Problem(404, "shopify_not_connected", "This shop has no Shopify store connected.")
    return link


def signature(secret: str, body: bytes) -> str:
    """What Shopify sends in X-Shopify-Hmac-Sha256: base64 of HMAC-SHA256 over the raw body."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify(secret: str, body: bytes, given: str) -> bool:
    return hmac.compare_digest(signature(secret, body).encode(), given.strip().encode())


async def receive(
    *,
    session: AsyncSession,
    shop_id: int,
    topic: str,
    webhook_id: str,
    hmac_header: str,
    body: bytes,
) -> dict[str, Any]:
    """Verify and record one delivery, then apply it; a repeated webhook id changes nothing."""
    link = await session.get(ShopifyLink, shop_id)
    if link is None:
        raise Problem(404, "shopify_not_connected", "This shop has no Shopify store connected.")
    if not hmac_header or not verify(link.webhook_secret, body, hmac_header):
        raise Problem(401, "bad_signature", "The X-Shopify-Hmac-Sha256 signature does not match.")
    if not webhook_id or len(webhook_id) > 100:
        raise Problem(400, "missing_webhook_id", "X-Shopify-Webhook-Id is missing or too long.")
    seen = await session.execute(
        select(ShopifyReceipt.id).where(
            ShopifyReceipt.shop_id == shop_id, ShopifyReceipt.webhook_id == webhook_id
        )
    )
    if seen.first() is not None:
        return {"status": "duplicate"}
    if b"\\u0000" in body:
        raise Problem(400, "bad_json", "The webhook body contains a NUL character.")
    try:
        payload = json.loads(body)
    except ValueError:
        raise Problem(400, "bad_json", "The webhook body is not JSON.") from None
    if not isinstance(payload, dict):
        raise Problem(400, "bad_json", "The webhook body must be a JSON object.")
    session.add(ShopifyReceipt(shop_id=shop_id, webhook_id=webhook_id, topic=topic[:60]))
    await session.execute(
        delete(ShopifyReceipt).where(
            ShopifyReceipt.shop_id == shop_id,
            ShopifyReceipt.received_at < utcnow() - timedelta(days=RECEIPT_DAYS),
        )
    )
    await session.flush()  # a concurrent twin fails here on the unique key (the API says so)
    if topic in ("products/update", "products/create"):
        return await _product_update(session, shop_id, payload)
    if topic == "products/delete":
        return await _product_delete(session, shop_id, payload)
    if topic == "inventory_levels/update":
        return await _inventory(session, shop_id, payload)
    return {"status": "ignored", "topic": topic[:60]}


async def _ref(session: AsyncSession, shop_id: int, kind: str, external: Any) -> int | None:
    if not isinstance(external, int) or isinstance(external, bool):
        return None
    found = await session.execute(
        select(ShopifyRef.local_id).where(
            ShopifyRef.shop_id == shop_id,
            ShopifyRef.kind == kind,
            ShopifyRef.external_id == external,
        )
    )
    return found.scalar_one_or_none()


async def _product_update(
    session: AsyncSession, shop_id: int, payload: dict[str, Any]
) -> dict[str, Any]:
    reader = JsonReader({"product": payload})
    products = list(reader.products())
    errors = list(reader.errors)
    counts = Counts()
    if products:
        local = await _ref(session, shop_id, "product", products[0].shopify_id)
        if local is not None:
            # Shopify may have changed the handle: follow the product, not the old handle.
            product = await session.get(Product, local)
            if product is not None:
                product.handle = products[0].handle
        shop = await catalog.get_shop(session=session, shop_id=shop_id)
        await apply_batch(
            session,
            shop=shop,
            pricing=await Pricing.load(session, shop),
            batch=products,
            errors=errors,
            counts=counts,
        )
    return {
        "status": "applied",
        "created": counts.created,
        "updated": counts.updated,
        "unchanged": counts.unchanged,
        "errors": [e.as_dict() for e in errors[:20]],
    }


async def _product_delete(
    session: AsyncSession, shop_id: int, payload: dict[str, Any]
) -> dict[str, Any]:
    """Archived, not deleted: orders keep pointing at its variants."""
    local = await _ref(session, shop_id, "product", payload.get("id"))
    product = await session.get(Product, local) if local is not None else None
    if product is None or product.shop_id != shop_id:
        return {"status": "ignored", "reason": "unknown product"}
    product.status = ProductStatus.archived.value
    await session.flush()
    return {"status": "archived", "product_id": product.id}


async def _inventory(
    session: AsyncSession, shop_id: int, payload: dict[str, Any]
) -> dict[str, Any]:
    local = await _ref(session, shop_id, "inventory_item", payload.get("inventory_item_id"))
    variant = await session.get(Variant, local) if local is not None else None
    if variant is None or variant.shop_id != shop_id:
        return {"status": "ignored", "reason": "unknown inventory item"}
    available = payload.get("available")
    if not isinstance(available, int) or isinstance(available, bool):
        raise Problem(400, "bad_available", "inventory_levels/update needs an integer 'available'.")
    wanted = max(0, min(available, MAX_STOCK))
    stored = await locks.set_stock(session, variant_id=variant.id, stock=wanted)
    return {"status": "applied", "variant_id": variant.id, "stock": stored, "requested": wanted}


__all__ = [
    "CURRENT",
    "DIALECT_LABELS",
    "Opened",
    "ShopifyImport",
    "open_file",
    "receive",
    "run_import",
    "signature",
]
