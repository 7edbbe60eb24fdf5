"""Real-time room events: every event is a typed model with a `type` discriminator.

Services queue events with `send_room_event`; after commit they are numbered room-wide
(`live/room_store.py`) and published on the room's channel as `{"seq": last, "events": [...]}`.
The room layer (`live/room.py`) coalesces them into frames for viewers. `apply` is the one
reducer that turns a snapshot plus the events after it into the current room state; the server
keeps its snapshot with it and clients may use it too.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter

from liveshop.catalog.schemas import PricePublic
from liveshop.live.room.store import publish
from liveshop.uow import UnitOfWork


class ShowStateEvent(BaseModel):
    type: Literal["show_state"] = "show_state"
    show_id: int
    status: str
    hls_url: str | None = None
    at: datetime


class ChatUser(BaseModel):
    id: int
    name: str


class ChatEvent(BaseModel):
    type: Literal["chat"] = "chat"
    id: int
    user: ChatUser
    text: str
    at: datetime


class LikeCountEvent(BaseModel):
    type: Literal["like_count"] = "like_count"
    count: int


class ViewersEvent(BaseModel):
    type: Literal["viewers"] = "viewers"
    count: int
    peak: int
    unique: int


class PinnedVariant(BaseModel):
    id: int
    option_values: list[str]
    available: int
    track_stock: bool = True  # false: never sold out by stock (a gift card, say)
    prices: list[PricePublic]


class PinnedProduct(BaseModel):
    product_id: int
    title: str
    image: str | None
    pinned_at: datetime
    variants: list[PinnedVariant]


class PinEvent(BaseModel):
    type: Literal["pin"] = "pin"
    product: PinnedProduct


class UnpinEvent(BaseModel):
    type: Literal["unpin"] = "unpin"
    product_id: int


class PinnedMessageEvent(BaseModel):
    type: Literal["pinned_message"] = "pinned_message"
    text: str | None


class SlowModeEvent(BaseModel):
    type: Literal["slow_mode"] = "slow_mode"
    seconds: int


class StockEvent(BaseModel):
    type: Literal["stock"] = "stock"
    product_id: int
    variant_id: int
    available: int


class PurchaseEvent(BaseModel):
    """Deliberately anonymous: a city at most, never a name or an email."""

    type: Literal["purchase"] = "purchase"
    product_id: int
    title: str
    quantity: int
    city: str | None
    message: str


class ModerationEvent(BaseModel):
    type: Literal["moderation"] = "moderation"
    action: Literal["message_deleted", "user_muted", "user_banned"]
    message_id: int | None = None
    user_id: int | None = None
    until: datetime | None = None


RoomEvent = Annotated[
    ShowStateEvent
    | ChatEvent
    | LikeCountEvent
    | ViewersEvent
    | PinEvent
    | UnpinEvent
    | PinnedMessageEvent
    | SlowModeEvent
    | StockEvent
    | PurchaseEvent
    | ModerationEvent,
    Field(discriminator="type"),
]


room_event = TypeAdapter[RoomEvent](RoomEvent)


class RoomState(BaseModel):
    show_id: int
    title: str
    status: str
    hls_url: str | None = None
    pins: list[PinnedProduct] = []
    pinned_message: str | None = None
    slow_mode_seconds: int = 0
    likes: int = 0
    viewers: int = 0
    peak_viewers: int = 0
    unique_viewers: int = 0
    chat: list[ChatEvent] = []


class SnapshotEvent(BaseModel):
    """The room as of the frame's `seq`; sent on join and when resuming is impossible."""

    type: Literal["snapshot"] = "snapshot"
    state: RoomState


ErrorCode = Literal[
    "rate_limited",
    "muted",
    "banned",
    "slow_mode",
    "blocked_word",
    "auth_required",
    "invalid_token",
    "invalid_message",
    "room_closed",
    "show_not_found",
    "slow_consumer",
    "internal_error",
    "bid_rejected",
    "giveaway_rejected",
]


class ErrorEvent(BaseModel):
    type: Literal["error"] = "error"
    code: ErrorCode
    message: str
    retry_after: float | None = None
    ref: str | None = None


class PongEvent(BaseModel):
    type: Literal["pong"] = "pong"
    nonce: str | None = None


class HeartbeatEvent(BaseModel):
    type: Literal["heartbeat"] = "heartbeat"
    at: datetime


def apply(state: RoomState, event: RoomEvent, *, recent_chat: int = 50) -> None:
    """Fold one room event into `state`; idempotent, so replaying an overlap is harmless."""
    match event:
        case ShowStateEvent():
            state.status = event.status
            if event.hls_url is not None or event.status != "live":
                state.hls_url = event.hls_url
        case ChatEvent():
            if all(m.id != event.id for m in state.chat):
                state.chat.append(event)
                del state.chat[: max(0, len(state.chat) - recent_chat)]
        case LikeCountEvent():
            state.likes = max(state.likes, event.count)
        case ViewersEvent():
            state.viewers = event.count
            state.peak_viewers = max(state.peak_viewers, event.peak)
            state.unique_viewers = max(state.unique_viewers, event.unique)
        case PinEvent():
            state.pins = [p for p in state.pins if p.product_id != event.product.product_id]
            state.pins.append(event.product)
        case UnpinEvent():
            state.pins = [p for p in state.pins if p.product_id != event.product_id]
        case PinnedMessageEvent():
            state.pinned_message = event.text
        case SlowModeEvent():
            state.slow_mode_seconds = event.seconds
        case StockEvent():
            for pin in state.pins:
                for variant in pin.variants:
                    if variant.id == event.variant_id:
                        variant.available = event.available
        case ModerationEvent(action="message_deleted"):
            state.chat = [m for m in state.chat if m.id != event.message_id]
        case _:
            pass  # purchases and mutes/bans are announcements, not state


def send_room_event(uow: UnitOfWork, show_id: int, event: BaseModel) -> None:
    """Queue `event` for the room; it goes out only if the transaction commits."""
    payload = event.model_dump_json()

    async def _send() -> None:
        await publish(uow.broker, show_id, [payload])

    uow.on_commit(_send)
