from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from liveshop.accounts.schemas import MarketCode
from liveshop.catalog.schemas import ImageUrl


class ShowCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    cover_url: ImageUrl | None = None
    starts_at: datetime
    markets: list[MarketCode] = Field(min_length=1, max_length=7)
    product_ids: list[int] = Field(default_factory=list, max_length=100)
    shop_id: int | None = Field(default=None, ge=1, le=2**31 - 1)


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
    product_ids: list[int] = []


class ShowIngest(BaseModel):
    """Only for the host: where to point OBS."""

    rtmp_url: str
    stream_key: str
