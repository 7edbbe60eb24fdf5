"""Start-up wiring: which higher domain hears what a lower one publishes (see bus.py).

Called by every entry point that runs services (the app, `liveshop worker`, the CLI and the
tests); subscribing is by name, so calling it again replaces rather than repeats.
"""

from __future__ import annotations

from liveshop import bus
from liveshop.catalog import service as catalog
from liveshop.discovery import indexer as discovery_index
from liveshop.discovery import service as discovery
from liveshop.live import room_service
from liveshop.live import service as shows
from liveshop.orders.messages import DealHoldSettled, OrderChanged, OrderPaid
from liveshop.selling import locks as deal_locks
from liveshop.selling import show_end
from liveshop.settings import Settings


def wire(settings: Settings) -> None:
    bus.subscribe(DealHoldSettled, "selling.deal_units", deal_locks.on_deal_hold_settled)
    bus.subscribe(OrderPaid, "live.announce_purchase", room_service.on_order_paid)
    discovery_index.install()
    catalog.use_text_search(discovery.catalog_search)
    bus.subscribe(
        discovery_index.ProductsChanged, "discovery.reindex", discovery_index.on_products_changed
    )
    bus.subscribe(OrderChanged, "discovery.stock", discovery_index.on_order_changed)
    bus.subscribe(OrderPaid, "discovery.purchases", discovery_index.on_order_paid)
    shows.on_show_ended("selling", show_end.closer(settings.hold_minutes))
