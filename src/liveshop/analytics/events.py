"""The events analytics takes in, and the row shape they travel in from buffer to store."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

# What pages may send through the beacon; the rest only the server records (it is the truth
# for sales, chat and audience counts, and a page must not be able to inflate them).
CLIENT_KINDS = frozenset(
    {
        "impression",
        "click",
        "add_to_cart",
        "checkout_start",
        "follow",
        "share",
        "support_contact",
    }
)
SERVER_KINDS = frozenset(
    {
        "view_start",
        "heartbeat",
        "view_end",
        "viewers",  # a sample of the room's concurrent viewers (value)
        "like",
        "chat",
        "purchase",
        "cancel",
        "refund",
        "moderation",
        "pin",
        "deal",
    }
)
KINDS = CLIENT_KINDS | SERVER_KINDS

COLUMNS = (
    "id",
    "at",
    "kind",
    "market",
    "show_id",
    "shop_id",
    "product_id",
    "viewer",
    "value",
    "qty",
    "currency",
)


# What the buffer and the store take: a plain tuple in the column order (the beacon builds
# thousands a second, and a NamedTuple's constructor costs several times a tuple display).
RawRow = tuple[
    str,
    datetime,
    str,
    str | None,
    int | None,
    int | None,
    int | None,
    str | None,
    int,
    int,
    str | None,
]


class Row(NamedTuple):
    """One event, in the column order of `analytics_events` (without `seq`)."""

    id: str
    at: datetime
    kind: str
    market: str | None
    show_id: int | None
    shop_id: int | None
    product_id: int | None
    viewer: str | None
    value: int
    qty: int
    currency: str | None
