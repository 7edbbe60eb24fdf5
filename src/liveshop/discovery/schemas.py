from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from liveshop.catalog.schemas import ProductPublic
from liveshop.inputs import Input

Label = Annotated[str, StringConstraints(min_length=1, max_length=40, strip_whitespace=True)]


class LabelsUpdate(Input):
    category: Annotated[str, StringConstraints(max_length=60, strip_whitespace=True)] | None = None
    tags: list[Label] = Field(default_factory=list, max_length=20)


class LabelsPublic(BaseModel):
    product_id: int
    category: str | None
    tags: list[str]


class ViewIn(Input):
    product_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    show_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ProductHit(BaseModel):
    product: ProductPublic
    match: str  # "title", "text", "corrected_title", "corrected_text" or "browse"
    in_stock: bool


class ProductSearchPublic(BaseModel):
    items: list[ProductHit]
    total: int
    total_is_lower_bound: bool
    corrected: dict[str, list[str]]
    facets: dict[str, Any]
    limit: int
    offset: int


class ShowHit(BaseModel):
    id: int
    title: str
    status: str
    starts_at: str
    host_id: int
    host_name: str
    shop_id: int | None
    has_replay: bool


class NamedHit(BaseModel):
    id: int
    name: str
    handle: str | None = None


class Suggestion(BaseModel):
    kind: str  # "product", "show", "shop" or "creator"
    id: int
    label: str
    url: str


class SuggestPublic(BaseModel):
    q: str
    suggestions: list[Suggestion]
    corrected: dict[str, list[str]]


class EverythingPublic(BaseModel):
    products: ProductSearchPublic
    live: list[ShowHit]
    upcoming: list[ShowHit]
    replays: list[ShowHit]
    creators: list[NamedHit]
    shops: list[NamedHit]


class FeedItemPublic(BaseModel):
    kind: str
    id: int
    reason: str
    signal: str
    shop_id: int | None
    product: ProductPublic | None = None
    show: ShowHit | None = None


class FeedPublic(BaseModel):
    market: str
    items: list[FeedItemPublic]
    next_offset: int | None
