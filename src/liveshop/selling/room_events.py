"""Every selling event a room can carry, as one typed union (deals, auctions, giveaways, coupons).

They are announcements for viewers; the room's snapshot does not fold them (a late joiner
reads the current deal, auction or giveaway over HTTP).
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, TypeAdapter

from liveshop.selling.auctions.events import (
    AuctionBidEvent,
    AuctionEndedEvent,
    AuctionExtendedEvent,
    AuctionOpenedEvent,
)
from liveshop.selling.coupons.events import CouponClaimedEvent, CouponOpenedEvent
from liveshop.selling.deals.events import (
    DealEndedEvent,
    DealOpenedEvent,
    DealScheduledEvent,
    DealSoldOutEvent,
    DealStockEvent,
)
from liveshop.selling.giveaways.events import (
    GiveawayDrawnEvent,
    GiveawayEnteredEvent,
    GiveawayOpenedEvent,
)

SellingEvent = Annotated[
    DealScheduledEvent
    | DealOpenedEvent
    | DealStockEvent
    | DealSoldOutEvent
    | DealEndedEvent
    | AuctionOpenedEvent
    | AuctionBidEvent
    | AuctionExtendedEvent
    | AuctionEndedEvent
    | GiveawayOpenedEvent
    | GiveawayEnteredEvent
    | GiveawayDrawnEvent
    | CouponOpenedEvent
    | CouponClaimedEvent,
    Field(discriminator="type"),
]
selling_event = TypeAdapter[SellingEvent](SellingEvent)
