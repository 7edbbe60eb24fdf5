"""Start-up wiring: which higher domain hears what a lower one publishes (see bus.py).

Called by every entry point that runs services (the app, `liveshop worker`, the CLI and the
tests); subscribing is by name, so calling it again replaces rather than repeats.
"""

from __future__ import annotations

from liveshop import bus
from liveshop.ledger import posting as ledger_posting
from liveshop.ledger.terms import Terms as LedgerTerms
from liveshop.live import room_service
from liveshop.live import service as shows
from liveshop.orders.messages import DealHoldSettled, OrderChanged, OrderPaid
from liveshop.selling import locks as deal_locks
from liveshop.selling import show_end
from liveshop.settings import Settings


def wire(settings: Settings) -> None:
    bus.subscribe(DealHoldSettled, "selling.deal_units", deal_locks.on_deal_hold_settled)
    bus.subscribe(OrderPaid, "live.announce_purchase", room_service.on_order_paid)
    shows.on_show_ended("selling", show_end.closer(settings.hold_minutes))
    # In the order's transaction: ledger entries commit or roll back with the change.
    bus.subscribe(OrderChanged, "ledger.post", ledger_posting.handler(LedgerTerms.of(settings)))
