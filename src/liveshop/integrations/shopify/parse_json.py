"""The Admin REST products document: `{"products": [...]}` or `{"product": {...}}`."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from liveshop.integrations.shopify.parse import (
    IMAGE_URL,
    MAX_DESCRIPTION,
    MAX_GRAMS,
    MAX_IMAGES,
    MAX_SKU,
    MAX_STOCK,
    MAX_TEXT,
    MAX_TITLE,
    MAX_VARIANTS,
    Bad,
    ParsedImage,
    ParsedProduct,
    ParsedVariant,
    RowError,
    clean_html,
    default_sku,
    is_default_title,
    parse_int,
    parse_policy,
    parse_price,
    parse_status,
    parse_tags,
    slugify,
    text,
)


def _str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _id(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


class JsonReader:
    """Yields each product of the document; `errors` is the report, located by JSON path."""

    def __init__(self, document: Any) -> None:
        self.errors: list[RowError] = []
        self.rows = 0
        if isinstance(document, dict) and isinstance(document.get("products"), list):
            self._items: list[Any] = document["products"]
            self._prefix = "products"
        elif isinstance(document, dict) and isinstance(document.get("product"), dict):
            self._items = [document["product"]]
            self._prefix = ""
        else:
            raise Bad('expected {"products": [...]} or {"product": {...}}')

    def _path(self, i: int) -> str:
        return f"products[{i}]" if self._prefix else "product"

    def _error(self, where: str, value: Any, why: str, handle: str, action: str) -> None:
        self.errors.append(RowError(None, where, _str(value), why, handle, action))

    def products(self) -> Iterator[ParsedProduct]:
        seen: set[str] = set()
        for i, item in enumerate(self._items):
            self.rows += 1
            where = self._path(i)
            if not isinstance(item, dict):
                self._error(where, "", "a product must be an object", "", "product skipped")
                continue
            product = self._product(where, item)
            if product is None:
                continue
            if product.handle in seen:
                why = "another product of this document has this handle"
                self._error(
                    f"{where}.handle", product.handle, why, product.handle, "product skipped"
                )
                continue
            seen.add(product.handle)
            yield product

    def _product(self, where: str, item: dict[str, Any]) -> ParsedProduct | None:
        handle = _str(item.get("handle")).strip() or slugify(_str(item.get("title")))
        key = "title"
        try:
            title = text(_str(item.get("title")), MAX_TITLE, "title")
            if not title:
                raise Bad("a product needs a title")
            key = "handle"
            handle = text(handle, MAX_TEXT, "handle")
            key = "status"
            published = None if item.get("published_at", "") == "" else bool(item["published_at"])
            status = parse_status(_str(item.get("status")), published)
            key = "body_html"
            description = clean_html(_str(item.get("body_html")))
            if len(description) > MAX_DESCRIPTION:
                raise Bad(f"description longer than {MAX_DESCRIPTION} characters")
            key = "vendor"
            vendor = text(_str(item.get("vendor")), MAX_TEXT, "vendor")
            key = "product_type"
            product_type = text(_str(item.get("product_type")), MAX_TEXT, "type")
            key = "tags"
            tags_raw = item.get("tags", "")
            tags = parse_tags(
                ",".join(map(_str, tags_raw)) if isinstance(tags_raw, list) else _str(tags_raw)
            )
        except Bad as exc:
            self._error(f"{where}.{key}", item.get(key), str(exc), handle, "product skipped")
            return None
        options_raw = item.get("options") or []
        names = [
            _str(o.get("name")).strip()[:60]
            for o in (options_raw if isinstance(options_raw, list) else [])
            if isinstance(o, dict) and _str(o.get("name")).strip()
        ][:3]
        variants_raw = item.get("variants") or []
        if not isinstance(variants_raw, list):
            variants_raw = []
        first_values = (
            [_str(variants_raw[0].get("option1"))]
            if variants_raw and isinstance(variants_raw[0], dict)
            else []
        )
        if is_default_title(names, first_values):
            names = []
        gift_card = bool(item.get("gift_card")) or any(
            isinstance(v, dict) and v.get("fulfillment_service") == "gift_card"
            for v in variants_raw
        )
        product = ParsedProduct(
            line=None,
            handle=handle,
            title=title,
            description=description,
            vendor=vendor,
            product_type=product_type,
            tags=tags,
            status=status,
            gift_card=gift_card,
            options=names,
            shopify_id=_id(item.get("id")),
        )
        images_by_id: dict[int, str] = {}
        images_raw = item.get("images") or []
        for j, img in enumerate(images_raw if isinstance(images_raw, list) else []):
            self._image(product, f"{where}.images[{j}]", img, images_by_id)
        product.images.sort(key=lambda im: im.position)
        seen_skus: set[str] = set()
        seen_combos: set[tuple[str, ...]] = set()
        for j, raw in enumerate(variants_raw):
            vwhere = f"{where}.variants[{j}]"
            if len(seen_combos) >= MAX_VARIANTS:
                why = f"at most {MAX_VARIANTS} variants per product"
                self._error(vwhere, "", why, handle, "variant skipped")
                break
            variant = self._variant(product, vwhere, raw, images_by_id, seen_skus, seen_combos)
            if variant is not None:
                product.variants.append(variant)
        if not product.variants:
            why = "no variant of this product could be imported"
            self._error(f"{where}.variants", "", why, handle, "product skipped")
            return None
        return product

    def _image(self, product: ParsedProduct, where: str, img: Any, by_id: dict[int, str]) -> None:
        if not isinstance(img, dict):
            self._error(where, "", "an image must be an object", product.handle, "image skipped")
            return
        src = _str(img.get("src")).strip()
        if not IMAGE_URL.match(src):
            self._error(f"{where}.src", src, "not an image URL", product.handle, "image skipped")
            return
        if (image_id := _id(img.get("id"))) is not None:
            by_id[image_id] = src
        if any(im.src == src for im in product.images):
            return
        if len(product.images) >= MAX_IMAGES:
            why = f"at most {MAX_IMAGES} images per product"
            self._error(f"{where}.src", src, why, product.handle, "image skipped")
            return
        position = img.get("position")
        pos = position if isinstance(position, int) and position > 0 else len(product.images) + 1
        product.images.append(ParsedImage(src, pos, _str(img.get("alt")).strip()[:MAX_TEXT]))

    def _variant(
        self,
        product: ParsedProduct,
        where: str,
        raw: Any,
        images_by_id: dict[int, str],
        seen_skus: set[str],
        seen_combos: set[tuple[str, ...]],
    ) -> ParsedVariant | None:
        handle = product.handle
        if not isinstance(raw, dict):
            self._error(where, "", "a variant must be an object", handle, "variant skipped")
            return None
        values = [_str(raw.get(f"option{i}")).strip()[:60] for i in (1, 2, 3)]
        values = values[: len(product.options)]
        if product.options and len([v for v in values if v]) != len(product.options):
            why = f"needs a value for each of the options {', '.join(product.options)}"
            self._error(f"{where}.option1", raw.get("option1"), why, handle, "variant skipped")
            return None
        if tuple(values) in seen_combos:
            why = "another variant of this product has the same option values"
            self._error(f"{where}.option1", " / ".join(values), why, handle, "variant skipped")
            return None
        key = "sku"
        try:
            sku = text(_str(raw.get("sku")), MAX_SKU, "SKU") or default_sku(handle, values)
            if sku in seen_skus:
                raise Bad("another variant of this product has this SKU")
            key = "price"
            price = parse_price(_str(raw.get("price")), required=True)
            assert price is not None
            key = "compare_at_price"
            compare_at = parse_price(_str(raw.get("compare_at_price")), required=False)
            key = "barcode"
            barcode = text(_str(raw.get("barcode")), MAX_SKU, "barcode")
            key = "grams"
            grams = parse_int(_str(raw.get("grams")), low=0, high=MAX_GRAMS, what="grams")
            key = "inventory_management"
            track = bool(_str(raw.get("inventory_management")).strip())
            key = "inventory_quantity"
            stock = parse_int(
                _str(raw.get("inventory_quantity")), low=0, high=MAX_STOCK, what="units"
            )
            key = "inventory_policy"
            continue_selling = parse_policy(_str(raw.get("inventory_policy")))
        except Bad as exc:
            self._error(f"{where}.{key}", raw.get(key), str(exc), handle, "variant skipped")
            return None
        seen_skus.add(sku)
        seen_combos.add(tuple(values))
        image_id = _id(raw.get("image_id"))
        return ParsedVariant(
            line=None,
            where=f"{where}.price",
            sku_where=f"{where}.sku",
            stock_where=f"{where}.inventory_quantity",
            sku=sku,
            option_values=values if product.options else [],
            price=price,
            compare_at=compare_at if compare_at != Decimal(0) else None,
            barcode=barcode,
            grams=grams,
            track_stock=track,
            stock=stock if track else 0,
            continue_selling=continue_selling,
            image_url=images_by_id.get(image_id) if image_id else None,
            shopify_id=_id(raw.get("id")),
            inventory_item_id=_id(raw.get("inventory_item_id")),
        )
