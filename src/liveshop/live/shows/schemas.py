"""What the show API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from liveshop.accounts.schemas import MarketCode
from liveshop.catalog.schemas import ImageUrl, ShopPublic
from liveshop.inputs import Id, Input, When

ProductIds = list[int]


ShopLink = Literal["owner", "member", "allowed"]


class ShowCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    cover_url: ImageUrl | None = None
    starts_at: When
    markets: list[MarketCode] = Field(min_length=1, max_length=7)
    product_ids: list[Id] = Field(default_factory=list, max_length=100)
    shop_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


class ShowUpdate(Input):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    cover_url: ImageUrl | None = None
    starts_at: When | None = None
    markets: list[MarketCode] | None = Field(default=None, min_length=1, max_length=7)
    product_ids: list[Id] | None = Field(default=None, max_length=100)


class CohostPublic(BaseModel):
    user_id: int
    display_name: str
    status: str


class ShowPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    host_id: int
    shop_id: int | None
    title: str
    cover_url: str | None
    starts_at: datetime
    markets: list[str]
    status: str
    went_live_at: datetime | None = None
    ended_at: datetime | None = None
    pinned_message: str | None = None
    product_ids: list[int] = []
    host_name: str = ""
    rsvp_count: int = 0
    cohosts: list[CohostPublic] = []


class ShowIngest(BaseModel):
    """Only for the host: where to point OBS."""

    rtmp_url: str
    stream_key: str


class CohostInvite(Input):
    user_id: int = Field(ge=1, le=2**31 - 1)


class AllowedShopPublic(ShopPublic):
    """A shop whose products the caller may sell, and why: own, staff, or allowed by it."""

    via: ShopLink
