"""The room's wire protocol, assembled above live and selling: every event a frame may carry
(room events, selling's events, the personal ones) as one discriminated union, and every message
a client may send."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Union, get_args

from pydantic import BaseModel, Field, StringConstraints, TypeAdapter

from liveshop.inputs import NOT_BLANK, Input
from liveshop.live.room.events import (
    ErrorEvent,
    HeartbeatEvent,
    PongEvent,
    RoomEvent,
    SnapshotEvent,
)
from liveshop.selling.room_events import SellingEvent


def _members(union: object) -> tuple[type[BaseModel], ...]:
    return tuple(get_args(get_args(union)[0]))


# Everything a frame may carry: room events, the selling events (deals, auctions,
# giveaways, coupons) and the personal ones.
if TYPE_CHECKING:
    ServerEvent = RoomEvent | SellingEvent | SnapshotEvent | ErrorEvent | PongEvent | HeartbeatEvent
else:  # one flat discriminated union, so validation picks the model by `type` directly
    ServerEvent = Annotated[
        Union[
            (
                *_members(RoomEvent),
                *_members(SellingEvent),
                SnapshotEvent,
                ErrorEvent,
                PongEvent,
                HeartbeatEvent,
            )
        ],
        Field(discriminator="type"),
    ]


server_event = TypeAdapter[ServerEvent](ServerEvent)


class Frame(BaseModel):
    """What the server sends: `seq` is the room position of the last event the viewer has."""

    seq: int
    events: list[ServerEvent]


Ref = Annotated[str, StringConstraints(max_length=64)]


class ChatIn(Input):
    type: Literal["chat"]
    text: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=500, pattern=NOT_BLANK),
    ]
    ref: Ref | None = None


class LikeIn(Input):
    type: Literal["like"]
    count: int = Field(default=1, ge=1, le=50)


class PingIn(Input):
    type: Literal["ping"]
    nonce: Ref | None = None


class BidIn(Input):
    type: Literal["bid"]
    auction_id: int = Field(ge=1, le=2**31 - 1)
    amount: int = Field(ge=1, le=10**12)
    max_amount: int | None = Field(default=None, ge=1, le=10**12)
    ref: Ref | None = None


class EnterGiveawayIn(Input):
    type: Literal["enter_giveaway"]
    giveaway_id: int = Field(ge=1, le=2**31 - 1)
    ref: Ref | None = None


ClientMessage = Annotated[
    ChatIn | LikeIn | PingIn | BidIn | EnterGiveawayIn, Field(discriminator="type")
]


client_message = TypeAdapter[ClientMessage](ClientMessage)
