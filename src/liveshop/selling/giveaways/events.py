"""What a giveaway tells the room."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel


class GiveawayOpenedEvent(BaseModel):
    type: Literal["giveaway_opened"] = "giveaway_opened"
    giveaway_id: int
    product_id: int
    title: str
    eligibility: str
    market: str | None


class GiveawayEnteredEvent(BaseModel):
    type: Literal["giveaway_entered"] = "giveaway_entered"
    giveaway_id: int
    count: int


class GiveawayDrawnEvent(BaseModel):
    type: Literal["giveaway_drawn"] = "giveaway_drawn"
    giveaway_id: int
    round: int
    winner: str | None  # None: nobody eligible was left to draw
