"""The event types an endpoint may subscribe to, and the shape of the payout message.

`payout.paid` comes from the ledger, which does not exist yet. The ledger (a lower layer) will
define its own frozen message with the fields of `PayoutPaidMessage` in `ledger/messages.py`
and publish it when a payout is paid; `liveshop.wiring` then subscribes
`outbox.on_payout_paid` to it (see the commented line there). Nothing else needs to change.
"""

from __future__ import annotations

from typing import Final, Protocol

ORDER_CREATED: Final = "order.created"
ORDER_PAID: Final = "order.paid"
ORDER_SHIPPED: Final = "order.shipped"
ORDER_REFUNDED: Final = "order.refunded"
SHOW_SCHEDULED: Final = "show.scheduled"
SHOW_LIVE: Final = "show.live"
SHOW_ENDED: Final = "show.ended"
DEAL_SOLD_OUT: Final = "deal.sold_out"
PAYOUT_PAID: Final = "payout.paid"
TEST: Final = "webhook.test"  # sent by "send test event", whatever the endpoint chose

EVENT_TYPES: Final = (
    ORDER_CREATED,
    ORDER_PAID,
    ORDER_SHIPPED,
    ORDER_REFUNDED,
    SHOW_SCHEDULED,
    SHOW_LIVE,
    SHOW_ENDED,
    DEAL_SOLD_OUT,
    PAYOUT_PAID,
)

# The order audit trail's kinds (orders.service.record) that are webhook events.
ORDER_KINDS: Final = {
    "placed": ORDER_CREATED,
    "paid": ORDER_PAID,
    "shipped": ORDER_SHIPPED,
    "refunded": ORDER_REFUNDED,
}


class PayoutPaidMessage(Protocol):
    """What the ledger's payout message must carry (a frozen dataclass there)."""

    @property
    def payout_id(self) -> int: ...
    @property
    def owner_kind(self) -> str: ...  # "shop" or "creator"
    @property
    def owner_id(self) -> int: ...
    @property
    def amount(self) -> int: ...  # minor units
    @property
    def currency(self) -> str: ...
