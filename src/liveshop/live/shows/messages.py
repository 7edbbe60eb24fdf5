"""What shows tell the rest through the bus (`liveshop.bus`): the room, selling and the webhooks
hear a show go live or end without shows importing any of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class ShowStateChanged:
    """A show went live (`hls_url` set when video is there) or ended, inside that transaction."""

    show_id: int
    status: str
    hls_url: str | None
    at: datetime
