"""What the affiliates API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from liveshop.affiliates.models import MAX_RATE_BP, MIN_RATE_BP, NO_DISCOUNT_BP
from liveshop.inputs import Input

Id = Field(ge=1, le=2**31 - 1)
RateBp = Field(ge=MIN_RATE_BP, le=MAX_RATE_BP, description="Basis points: 100 = 1%, 8000 = 80%")


class CollaborationCreate(Input):
    product_id: int = Id
    kind: Literal["open", "targeted"]
    creator_id: int | None = Field(default=None, ge=1, le=2**31 - 1)
    rate_bp: int = RateBp
    floor_bp: int = Field(
        default=NO_DISCOUNT_BP,
        ge=0,
        le=NO_DISCOUNT_BP,
        description="Lowest deal or coupon price a creator may set, in basis points of the "
        "list price; 10000 (the default) allows no discount without the shop's approval",
    )

    @model_validator(mode="after")
    def _creator(self) -> CollaborationCreate:
        if (self.kind == "targeted") != (self.creator_id is not None):
            raise ValueError("a targeted collaboration names a creator_id; an open one doesn't")
        return self


class RateIn(Input):
    rate_bp: int = RateBp


class CollaborationPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    shop_id: int
    product_id: int
    kind: str
    creator_id: int | None
    status: str
    rate_bp: int
    floor_bp: int
    created_at: datetime
    decided_at: datetime | None
    product_title: str | None = None
    creator_name: str | None = None
    shop_name: str | None = None


class RateChangePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    collaboration_id: int
    rate_bp: int
    previous_bp: int | None
    changed_at: datetime
    holders_from: datetime


class ShowcaseItemPublic(BaseModel):
    product_id: int
    title: str
    added_at: datetime
    collaboration_id: int | None
    rate_bp: int | None
    why: str | None
