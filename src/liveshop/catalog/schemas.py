from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from liveshop.accounts.schemas import MarketCode
from liveshop.catalog.models import Product, Variant, VariantPrice
from liveshop.inputs import NOT_BLANK, Input, omittable
from liveshop.markets.money import format_in_market
from liveshop.markets.seed import MARKETS

# Markets whose shelf prices exclude tax, which is added at checkout by destination.
PLUS_TAX_MARKETS = frozenset(str(m["code"]) for m in MARKETS if not m["prices_include_tax"])

MAX_MONEY = 10**12  # minor units; far above any real price, far below int64
MAX_STOCK = 10_000_000

Sku = Annotated[
    str, StringConstraints(min_length=1, max_length=64, strip_whitespace=True, pattern=NOT_BLANK)
]
OptionText = Annotated[
    str, StringConstraints(min_length=1, max_length=60, strip_whitespace=True, pattern=NOT_BLANK)
]
ImageUrl = Annotated[
    str, StringConstraints(min_length=1, max_length=500, pattern=r"^(https?://|/)\S+$")
]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
ProductStatusIn = Literal["draft", "active", "archived"]
_LIMIT = "Units one buyer may order in all (unpaid and paid orders); none when absent."


class PriceIn(Input):
    market: MarketCode
    currency: Currency
    amount: int = Field(ge=0, le=MAX_MONEY)
    compare_at: int | None = Field(default=None, ge=0, le=MAX_MONEY)


class VariantIn(Input):
    sku: Sku
    option_values: list[OptionText] = Field(default_factory=list, max_length=3)
    weight_grams: int = Field(default=0, ge=0, le=1_000_000)
    stock: int = Field(default=0, ge=0, le=MAX_STOCK)
    prices: list[PriceIn] = Field(min_length=1, max_length=7)

    @field_validator("prices")
    @classmethod
    def _one_price_per_market(cls, prices: list[PriceIn]) -> list[PriceIn]:
        markets = [p.market for p in prices]
        if len(set(markets)) != len(markets):
            raise ValueError("at most one price per market")
        return prices


class VariantUpdate(Input):
    stock: int | None = Field(default=None, ge=0, le=MAX_STOCK)
    weight_grams: int | None = Field(default=None, ge=0, le=1_000_000)
    prices: list[PriceIn] | None = Field(default=None, min_length=1, max_length=7)


class ProductCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5000)
    status: ProductStatusIn = "draft"
    options: list[OptionText] = Field(default_factory=list, max_length=3)
    images: list[ImageUrl] = Field(default_factory=list, max_length=10)
    variants: list[VariantIn] = Field(min_length=1, max_length=100)
    max_per_buyer: int | None = Field(default=None, ge=1, le=MAX_STOCK, description=_LIMIT)


class ProductUpdate(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5000)
    status: ProductStatusIn | None = None
    images: list[ImageUrl] | None = Field(default=None, max_length=10)
    max_per_buyer: int | None = Field(
        default=None, ge=1, le=MAX_STOCK, description=_LIMIT + " Send null to lift it."
    )


class PricePublic(BaseModel):
    market: str
    currency: str
    amount: int
    compare_at: int | None
    formatted: str
    compare_at_formatted: str | None = None
    plus_tax: bool = Field(
        default=False, description="True where prices exclude sales tax (US): show '+ tax'"
    )


class VariantPublic(BaseModel):
    id: int
    sku: str
    option_values: list[str]
    weight_grams: int
    stock: int
    available: int
    prices: list[PricePublic]
    barcode: str = ""
    track_stock: bool = True
    continue_selling: bool = False
    image_url: str | None = None


class ProductPublic(BaseModel):
    id: int
    shop_id: int
    title: str
    description: str
    status: str
    options: list[str]
    images: list[str]
    variants: list[VariantPublic]
    max_per_buyer: int | None = None
    created_at: datetime
    handle: str | None = None
    vendor: str = ""
    product_type: str = ""
    tags: list[str] = Field(default_factory=list)
    image_alts: list[str] = Field(default_factory=list, description="Alt text of each image")
    gift_card: bool = False


class ShopCreate(Input):
    name: str = Field(min_length=1, max_length=120)
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9-]{1,58}$")
    description: str = Field(default="", max_length=2000)
    market: MarketCode


class ShopUpdate(Input):
    name: str = omittable(min_length=1, max_length=120)
    description: str = omittable(max_length=2000)


class ShopVerify(Input):
    verification: Literal["pending", "verified", "rejected"]


class ShopPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    description: str
    market_code: str
    verification: str
    created_at: datetime


def price_public(price: VariantPrice) -> PricePublic:
    market = price.market_code
    return PricePublic(
        market=price.market_code,
        currency=price.currency,
        amount=price.amount,
        compare_at=price.compare_at,
        formatted=format_in_market(price.amount, price.currency, market),
        compare_at_formatted=(
            format_in_market(price.compare_at, price.currency, market) if price.compare_at else None
        ),
        plus_tax=price.market_code in PLUS_TAX_MARKETS,
    )


def variant_public(variant: Variant) -> VariantPublic:
    return VariantPublic(
        id=variant.id,
        sku=variant.sku,
        option_values=variant.option_values,
        weight_grams=variant.weight_grams,
        stock=variant.stock,
        available=variant.available,
        prices=[price_public(p) for p in variant.prices],
        barcode=variant.barcode,
        track_stock=variant.track_stock,
        continue_selling=variant.continue_selling,
        image_url=variant.image_url,
    )


def product_public(product: Product) -> ProductPublic:
    return ProductPublic(
        id=product.id,
        shop_id=product.shop_id,
        title=product.title,
        description=product.description,
        status=product.status,
        options=product.options,
        images=product.images,
        variants=[variant_public(v) for v in product.variants],
        max_per_buyer=product.max_per_buyer,
        created_at=product.created_at,
        handle=product.handle,
        vendor=product.vendor,
        product_type=product.product_type,
        tags=product.tags,
        image_alts=product.image_alts,
        gift_card=product.gift_card,
    )
