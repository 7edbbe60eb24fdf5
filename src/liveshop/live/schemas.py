from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

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


class ShopCreatorIn(Input):
    creator_id: int = Field(ge=1, le=2**31 - 1)


class EventCreate(Input):
    title: str = Field(min_length=1, max_length=200)
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,78}$")
    description: str = Field(default="", max_length=2000)
    cover_url: ImageUrl | None = None
    starts_at: When
    ends_at: When
    show_ids: list[Id] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _ordered(self) -> EventCreate:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self


class EventShowsIn(Input):
    show_ids: list[Id] = Field(min_length=1, max_length=100)


class EventPublic(BaseModel):
    id: int
    slug: str
    title: str
    description: str
    cover_url: str | None
    starts_at: datetime
    ends_at: datetime
    shows: list[ShowPublic]
    shop_ids: list[int]
