"""Real-time room events: every event is a typed model with a `type` discriminator.

Services publish one event at a time on the room's channel after commit; the room layer
(`live/room.py`) numbers, coalesces and fans them out to viewers as frames.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel

from liveshop.uow import UnitOfWork


def room_channel(show_id: int) -> str:
    return f"room:{show_id}"


class ShowStateEvent(BaseModel):
    type: Literal["show_state"] = "show_state"
    show_id: int
    status: str
    hls_url: str | None = None
    at: datetime


def send_room_event(uow: UnitOfWork, show_id: int, event: BaseModel) -> None:
    """Queue `event` for the room; it goes out only if the transaction commits."""
    uow.send_event_on_commit(room_channel(show_id), event)
