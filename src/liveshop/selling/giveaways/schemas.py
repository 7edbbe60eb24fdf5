"""What the giveaway API takes and gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, model_validator

from liveshop.accounts.schemas import MarketCode
from liveshop.inputs import Input
from liveshop.orders.schemas import Address
from liveshop.selling.promotions import Id


class GiveawayCreate(Input):
    variant_id: int = Id
    eligibility: Literal["everyone", "followers", "market"] = "everyone"
    market: MarketCode | None = None

    @model_validator(mode="after")
    def _market(self) -> GiveawayCreate:
        if (self.eligibility == "market") != (self.market is not None):
            raise ValueError("give a market exactly when eligibility is 'market'")
        return self


class GiveawayPublic(BaseModel):
    id: int
    show_id: int
    product_id: int
    variant_id: int
    status: str
    eligibility: str
    market: str | None
    entrants: int
    winner: str | None
    claim_deadline: datetime | None
    draws: list[dict[str, Any]]
    created_at: datetime


class EntryResult(BaseModel):
    giveaway_id: int
    entered: bool
    count: int


class ClaimIn(Input):
    address: Address
