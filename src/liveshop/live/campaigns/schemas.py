"""What the campaign API takes and gives."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from liveshop.catalog.schemas import ImageUrl
from liveshop.inputs import Id, Input, When
from liveshop.live.shows.schemas import ShowPublic


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
