"""Reading Shopify product files into plain records, the way Shopify itself reads them.

Nothing here touches the database: `read_csv` streams rows grouped by handle, `read_json`
walks the Admin REST products document, and both yield `ParsedProduct`s plus `RowError`s.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import nh3

CURRENT = "shopify"
LEGACY = "shopify-legacy"
JSON_DIALECT = "shopify-json"
DIALECT_LABELS = {
    CURRENT: "Shopify product CSV (current export: Title, URL handle, …)",
    LEGACY: "Shopify product CSV (legacy export: Handle, Title, Body (HTML), …)",
    JSON_DIALECT: "Shopify Admin REST products JSON",
}

# Bounds of what one product may carry, the catalog's own (catalog/schemas.py).
MAX_TITLE = 200
MAX_DESCRIPTION = 5000
MAX_TEXT = 255
MAX_SKU = 64
MAX_VARIANTS = 100
MAX_IMAGES = 10
MAX_TAGS = 250
MAX_STOCK = 10_000_000
MAX_GRAMS = 1_000_000
MAX_PRICE = Decimal(10**10)
IMAGE_URL = re.compile(r"^(https?://|/)\S{1,490}$")

# Canonical field -> the header in each dialect.
_COLUMNS: dict[str, tuple[str, str]] = {
    "handle": ("URL handle", "Handle"),
    "title": ("Title", "Title"),
    "body": ("Description", "Body (HTML)"),
    "vendor": ("Vendor", "Vendor"),
    "type": ("Type", "Type"),
    "tags": ("Tags", "Tags"),
    "published": ("Published on online store", "Published"),
    "status": ("Status", "Status"),
    "sku": ("SKU", "Variant SKU"),
    "barcode": ("Barcode", "Variant Barcode"),
    "opt1_name": ("Option1 name", "Option1 Name"),
    "opt1_value": ("Option1 value", "Option1 Value"),
    "opt2_name": ("Option2 name", "Option2 Name"),
    "opt2_value": ("Option2 value", "Option2 Value"),
    "opt3_name": ("Option3 name", "Option3 Name"),
    "opt3_value": ("Option3 value", "Option3 Value"),
    "price": ("Price", "Variant Price"),
    "compare_at": ("Compare-at price", "Variant Compare At Price"),
    "taxable": ("Charge tax", "Variant Taxable"),
    "tracker": ("Inventory tracker", "Variant Inventory Tracker"),
    "qty": ("Inventory quantity", "Variant Inventory Qty"),
    "policy": ("Continue selling when out of stock", "Variant Inventory Policy"),
    "grams": ("Weight value (grams)", "Variant Grams"),
    "requires_shipping": ("Requires shipping", "Variant Requires Shipping"),
    "image_src": ("Product image URL", "Image Src"),
    "image_position": ("Image position", "Image Position"),
    "image_alt": ("Image alt text", "Image Alt Text"),
    "variant_image": ("Variant image URL", "Variant Image"),
    "gift_card": ("Gift card", "Gift Card"),
}
_VARIANT_FIELDS = ("sku", "barcode", "price", "compare_at", "qty", "grams", "opt1_value")
_MARKET_COLUMN = re.compile(r"^(price|compare[- ]at price)\s*/\s*(.+)$", re.IGNORECASE)
_TRUE, _FALSE = "true", "false"


@dataclass
class RowError:
    """One entry of the error report: where, what was there, why, and what the import did."""

    line: int | None
    column: str
    value: str
    why: str
    handle: str = ""
    action: str = "row skipped"

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "value": self.value[:200],
            "why": self.why,
            "handle": self.handle,
            "action": self.action,
        }


@dataclass
class ParsedVariant:
    line: int | None
    where: str  # the column prefix or JSON path errors about this variant name
    sku: str
    option_values: list[str]
    price: Decimal
    compare_at: Decimal | None
    # market label as written in the header ("United Kingdom", "DE") -> (price, compare-at)
    market_prices: dict[str, tuple[Decimal, Decimal | None]] = field(default_factory=dict)
    barcode: str = ""
    grams: int = 0
    track_stock: bool = True
    stock: int = 0
    continue_selling: bool = False
    image_url: str | None = None
    shopify_id: int | None = None
    inventory_item_id: int | None = None
    sku_where: str = "SKU"
    stock_where: str = "stock"


@dataclass
class ParsedImage:
    src: str
    position: int
    alt: str


@dataclass
class ParsedProduct:
    line: int | None
    handle: str
    title: str
    description: str = ""
    vendor: str = ""
    product_type: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = "active"
    gift_card: bool = False
    options: list[str] = field(default_factory=list)
    variants: list[ParsedVariant] = field(default_factory=list)
    images: list[ParsedImage] = field(default_factory=list)
    shopify_id: int | None = None
    rows: int = 1


class Bad(ValueError):
    """A value Shopify would not accept either; the message is the report's `why`."""


# --- values, read the way Shopify writes them ----------------------------------------------


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:MAX_TEXT]


def parse_bool(raw: str, default: bool) -> bool:
    value = raw.strip().lower()
    if not value:
        return default
    if value == _TRUE:
        return True
    if value == _FALSE:
        return False
    raise Bad("not TRUE or FALSE")


def parse_policy(raw: str) -> bool:
    """Continue selling when out of stock: Shopify writes deny/continue (or TRUE/FALSE)."""
    value = raw.strip().lower()
    if value in ("", "deny", _FALSE):
        return False
    if value in ("continue", _TRUE):
        return True
    raise Bad("not deny or continue")


def parse_status(raw: str, published: bool | None) -> str:
    value = raw.strip().lower()
    if value in ("active", "draft", "archived"):
        return value
    if value:
        raise Bad("not active, draft or archived")
    return "draft" if published is False else "active"


def parse_price(raw: str, *, required: bool) -> Decimal | None:
    value = raw.strip()
    if not value:
        if required:
            return Decimal(0)  # Shopify's default for a variant without a price
        return None
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise Bad("not a price") from None
    if not price.is_finite():
        raise Bad("not a price")
    if price < 0:
        raise Bad("a price cannot be negative")
    if price > MAX_PRICE:
        raise Bad("price too large")
    return price


def parse_int(raw: str, *, low: int, high: int, what: str) -> int:
    value = raw.strip()
    if not value:
        return 0
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Bad(f"not a whole number of {what}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise Bad(f"not a whole number of {what}")
    return max(low, min(int(number), high))


def parse_tags(raw: str) -> list[str]:
    seen: dict[str, None] = {}
    for tag in raw.split(","):
        tag = tag.strip()[:MAX_TEXT]
        if tag:
            seen.setdefault(tag, None)
    return list(seen)[:MAX_TAGS]


def clean_html(raw: str) -> str:
    """Shopify descriptions are HTML: keep the markup a browser may show, drop scripts."""
    return nh3.clean(raw).strip() if raw.strip() else ""


def text(raw: str, limit: int, what: str) -> str:
    value = raw.strip()
    if len(value) > limit:
        raise Bad(f"{what} longer than {limit} characters")
    if "\x00" in value:
        raise Bad(f"{what} contains a NUL character")
    return value


def default_sku(handle: str, option_values: list[str]) -> str:
    """A stable SKU for a variant that has none, so that a re-import finds it again."""
    sku = slugify("-".join([handle, *option_values]))
    if len(sku) <= MAX_SKU:
        return sku
    digest = hashlib.sha1("\x1f".join([handle, *option_values]).encode()).hexdigest()[:12]
    return f"{sku[: MAX_SKU - 13]}-{digest}"


def is_default_title(names: list[str], values: list[str]) -> bool:
    """Shopify's "Title / Default Title": a product without options."""
    return names[:1] == ["Title"] and values[:1] in ([], ["Default Title"])


# --- CSV ----------------------------------------------------------------------------------


def detect(header: list[str]) -> str | None:
    names = {h.strip() for h in header}
    if "URL handle" in names:
        return CURRENT
    if "Handle" in names and names & {"Body (HTML)", "Variant SKU", "Variant Price"}:
        return LEGACY
    if "Title" in names and "Price" in names:
        return CURRENT  # the current template, with the optional handle left out
    return None


@dataclass
class CsvLayout:
    dialect: str
    header: list[str]
    index: dict[str, int]  # canonical field -> position
    markets: list[tuple[int, str, str]]  # (position, "price" | "compare_at", market label)

    @classmethod
    def of(cls, header: list[str]) -> CsvLayout | None:
        header = [h.strip().lstrip("\ufeff") for h in header]
        dialect = detect(header)
        if dialect is None:
            return None
        which = 0 if dialect == CURRENT else 1
        position = {h: i for i, h in enumerate(header)}
        index = {
            key: position[names[which]]
            for key, names in _COLUMNS.items()
            if names[which] in position
        }
        markets = []
        for i, h in enumerate(header):
            m = _MARKET_COLUMN.match(h)
            if m:
                kind = "price" if m.group(1).lower() == "price" else "compare_at"
                markets.append((i, kind, m.group(2).strip()))
        return cls(dialect, header, index, markets)

    def column(self, key: str) -> str:
        return self.header[self.index[key]] if key in self.index else key


class _Row:
    def __init__(self, layout: CsvLayout, cells: list[str], line: int) -> None:
        self.layout, self.cells, self.line = layout, cells, line

    def get(self, key: str) -> str:
        i = self.layout.index.get(key)
        return self.cells[i] if i is not None and i < len(self.cells) else ""

    def cell(self, i: int) -> str:
        return self.cells[i] if i < len(self.cells) else ""

    def has_variant(self) -> bool:
        if any(self.get(k).strip() for k in _VARIANT_FIELDS):
            return True
        return any(self.cell(i).strip() for i, _kind, _m in self.layout.markets)


class CsvReader:
    """Streams a Shopify CSV: each product once all its rows (which follow each other) are read.

    `lines` is any iterable of text lines, so a file is never read whole. `errors` collects the
    report as the reading goes; `rows` counts data rows read so far.
    """

    def __init__(self, lines: Iterable[str]) -> None:
        self._reader = csv.reader(iter(lines))
        self.layout: CsvLayout | None = None
        self.errors: list[RowError] = []
        self.rows = 0
        self._done: set[str] = set()

    def read_header(self) -> CsvLayout | None:
        for header in self._reader:
            if any(h.strip() for h in header):
                self.layout = CsvLayout.of(header)
                return self.layout
        return None

    def _error(self, row: _Row, key: str, value: str, why: str, handle: str, action: str) -> None:
        column = row.layout.column(key) if key in _COLUMNS else key
        self.errors.append(RowError(row.line, column, value, why, handle, action))

    def products(self) -> Iterator[ParsedProduct]:
        layout = self.layout or self.read_header()
        if layout is None:
            return
        group: list[_Row] = []
        key = ""
        for cells in self._reader:
            line = self._reader.line_num
            if not any(c.strip() for c in cells):
                continue
            self.rows += 1
            row = _Row(layout, cells, line)
            handle = row.get("handle").strip()
            if not handle:
                title = row.get("title").strip()
                if layout.dialect == CURRENT and title:
                    handle = slugify(title)  # a new product: Shopify makes the handle
                else:
                    why = "a variant or image row needs the handle of its product"
                    self._error(row, "handle", "", why, "", "row skipped")
                    continue
            if group and handle == key:
                group.append(row)
                continue
            if group:
                product = self._product(key, group)
                if product is not None:
                    yield product
            if handle in self._done:
                why = "rows of one product must follow each other; this handle came earlier"
                self._error(row, "handle", handle, why, handle, "row skipped")
                group, key = [], ""
                continue
            self._done.add(handle)
            group, key = [row], handle
        if group:
            product = self._product(key, group)
            if product is not None:
                yield product

    def _product(self, handle: str, rows: list[_Row]) -> ParsedProduct | None:
        first = rows[0]
        try:
            handle = text(handle, MAX_TEXT, "handle")
        except Bad as exc:
            self._error(first, "handle", handle, str(exc), handle, "product skipped")
            return None
        field_name = "title"
        try:
            title = text(first.get("title"), MAX_TITLE, "title")
            if not title:
                raise Bad("a product needs a title")
            field_name = "published"
            published = parse_bool(first.get("published"), True)
            field_name = "status"
            status = parse_status(first.get("status"), published)
            field_name = "gift_card"
            gift_card = parse_bool(first.get("gift_card"), False)
            field_name = "body"
            description = clean_html(first.get("body"))
            if len(description) > MAX_DESCRIPTION:
                raise Bad(f"description longer than {MAX_DESCRIPTION} characters")
            field_name = "vendor"
            vendor = text(first.get("vendor"), MAX_TEXT, "vendor")
            field_name = "type"
            product_type = text(first.get("type"), MAX_TEXT, "type")
        except Bad as exc:
            self._error(
                first, field_name, first.get(field_name), str(exc), handle, "product skipped"
            )
            return None
        names = [first.get(f"opt{i}_name").strip() for i in (1, 2, 3)]
        names = [n[:60] for n in names if n]
        if is_default_title(names, [first.get("opt1_value").strip()]):
            names = []
        product = ParsedProduct(
            line=first.line,
            handle=handle,
            title=title,
            description=description,
            vendor=vendor,
            product_type=product_type,
            tags=parse_tags(first.get("tags")),
            status=status,
            gift_card=gift_card,
            options=names,
            rows=len(rows),
        )
        seen_skus: set[str] = set()
        seen_combos: set[tuple[str, ...]] = set()
        next_position = 1
        for row in rows:
            if row is first or row.has_variant():
                variant = self._variant(product, row, seen_skus, seen_combos)
                if variant is not None:
                    product.variants.append(variant)
            src = row.get("image_src").strip()
            if src:
                next_position = self._image(product, row, src, next_position)
        if not product.variants:
            why = "no variant of this product could be imported"
            self._error(first, "handle", handle, why, handle, "product skipped")
            return None
        product.images.sort(key=lambda im: im.position)
        return product

    def _image(self, product: ParsedProduct, row: _Row, src: str, position: int) -> int:
        if not IMAGE_URL.match(src):
            self._error(row, "image_src", src, "not an image URL", product.handle, "image skipped")
            return position
        if any(im.src == src for im in product.images):
            return position
        if len(product.images) >= MAX_IMAGES:
            why = f"at most {MAX_IMAGES} images per product"
            self._error(row, "image_src", src, why, product.handle, "image skipped")
            return position
        raw = row.get("image_position")
        try:
            pos = parse_int(raw, low=1, high=10_000, what="positions") if raw.strip() else position
        except Bad as exc:
            self._error(row, "image_position", raw, str(exc), product.handle, "image skipped")
            return position
        alt = row.get("image_alt").strip()[:MAX_TEXT]
        product.images.append(ParsedImage(src, pos, alt))
        return max(position, pos) + 1

    def _variant(
        self,
        product: ParsedProduct,
        row: _Row,
        seen_skus: set[str],
        seen_combos: set[tuple[str, ...]],
    ) -> ParsedVariant | None:
        handle = product.handle
        skipped = "variant skipped"
        if len(seen_combos) >= MAX_VARIANTS:
            why = f"at most {MAX_VARIANTS} variants per product"
            self._error(row, "sku", row.get("sku"), why, handle, skipped)
            return None
        values = [row.get(f"opt{i}_value").strip()[:60] for i in (1, 2, 3)]
        values = values[: len(product.options)]
        if product.options and len([v for v in values if v]) != len(product.options):
            why = f"needs a value for each of the options {', '.join(product.options)}"
            self._error(row, "opt1_value", row.get("opt1_value"), why, handle, skipped)
            return None
        combo = tuple(values)
        if combo in seen_combos:
            why = "another variant of this product has the same option values"
            self._error(row, "opt1_value", " / ".join(values), why, handle, skipped)
            return None
        key = "sku"
        try:
            sku = text(row.get("sku"), MAX_SKU, "SKU") or default_sku(handle, values)
            if sku in seen_skus:
                raise Bad("another variant of this product has this SKU")
            key = "price"
            price = parse_price(row.get("price"), required=True)
            assert price is not None
            key = "compare_at"
            compare_at = parse_price(row.get("compare_at"), required=False)
            key = "barcode"
            barcode = text(row.get("barcode"), MAX_SKU, "barcode")
            key = "grams"
            grams = parse_int(row.get("grams"), low=0, high=MAX_GRAMS, what="grams")
            key = "tracker"
            track = bool(row.get("tracker").strip())  # blank: Shopify does not count it
            key = "qty"
            stock = parse_int(row.get("qty"), low=0, high=MAX_STOCK, what="units")
            key = "policy"
            continue_selling = parse_policy(row.get("policy"))
            for key in ("taxable", "requires_shipping"):
                parse_bool(row.get(key), True)
            market_price: dict[str, Decimal] = {}
            market_compare: dict[str, Decimal] = {}
            for i, kind, label in row.layout.markets:
                key = row.layout.header[i]
                parsed = parse_price(row.cell(i), required=False)
                if parsed is not None:
                    (market_price if kind == "price" else market_compare)[label] = parsed
            key = "variant_image"
            image = row.get("variant_image").strip() or None
            if image is not None and not IMAGE_URL.match(image):
                raise Bad("not an image URL")
        except Bad as exc:
            value = row.get(key) if key in _COLUMNS else row.cell(row.layout.header.index(key))
            self._error(row, key, value, str(exc), handle, skipped)
            return None
        seen_skus.add(sku)
        seen_combos.add(combo)
        # A market's compare-at price alone, without its price, means nothing to Shopify.
        priced = {m: (p, market_compare.get(m)) for m, p in market_price.items()}
        return ParsedVariant(
            line=row.line,
            where=row.layout.column("price"),
            sku_where=row.layout.column("sku"),
            stock_where=row.layout.column("qty"),
            sku=sku,
            option_values=values if product.options else [],
            price=price,
            compare_at=compare_at,
            market_prices=priced,
            barcode=barcode,
            grams=grams,
            track_stock=track,
            stock=stock if track else 0,
            continue_selling=continue_selling,
            image_url=image,
        )


def preview(lines: Iterable[str], rows: int = 10) -> tuple[str | None, list[str], list[list[str]]]:
    """The detected dialect, the header and the first rows, as the upload page shows them."""
    reader = csv.reader(iter(lines))
    header: list[str] = []
    for header in reader:
        if any(h.strip() for h in header):
            break
    dialect = detect([h.strip().lstrip("\ufeff") for h in header])
    first: list[list[str]] = []
    for cells in reader:
        if any(c.strip() for c in cells):
            first.append([c[:200] for c in cells])
        if len(first) >= rows:
            break
    return dialect, [h.strip().lstrip("\ufeff") for h in header], first
