"""Start-up wiring: which higher domain hears what a lower one publishes (see bus.py).

Called by every entry point that runs services (the app, `liveshop worker`, the CLI and the
tests); subscribing is by name, so calling it again replaces rather than repeats.
"""

from __future__ import annotations

from liveshop import bus
from liveshop.accounts import service as accounts
from liveshop.catalog import service as catalog
from liveshop.live.room import service as room_service
from liveshop.live.shows.messages import ShowStateChanged
from liveshop.orders.messages import DealHoldSettled, OrderPaid
from liveshop.selling import show_end
from liveshop.selling.deals import locks as deal_locks
from liveshop.settings import Settings


def wire(settings: Settings) -> None:
    accounts.follow_targets["shop"] = catalog.check_shop_exists
    bus.subscribe(DealHoldSettled, "selling.deal_units", deal_locks.on_deal_hold_settled)
    bus.subscribe(OrderPaid, "live.announce_purchase", room_service.on_order_paid)
    # In this order: the room announces the end before selling closes the deals.
    bus.subscribe(ShowStateChanged, "live.room_show_state", room_service.on_show_state)
    bus.subscribe(ShowStateChanged, "selling.close_on_end", show_end.closer(settings.hold_minutes))
